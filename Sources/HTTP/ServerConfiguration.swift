/// Deadlines for each phase of a connection, each absolute from the start of its phase.
public struct Timeouts: Sendable, Hashable {
    /// From accepting the connection (or the first byte of a later request) to the end of the head.
    public var head: Duration
    /// From the end of the head to the last byte of the body.
    public var body: Duration
    /// For writing one response.
    public var write: Duration
    /// Between the end of one response and the first byte of the next request.
    public var idle: Duration
    /// For the TLS handshake after accepting.
    public var tlsHandshake: Duration

    public init(
        head: Duration = .seconds(10),
        body: Duration = .seconds(30),
        write: Duration = .seconds(30),
        idle: Duration = .seconds(60),
        tlsHandshake: Duration = .seconds(10)
    ) {
        self.head = head
        self.body = body
        self.write = write
        self.idle = idle
        self.tlsHandshake = tlsHandshake
    }
}

/// The certificate chain and private key, both PEM files, for serving HTTPS.
public struct TLSConfiguration: Sendable, Hashable {
    public var certificateChainPath: String
    public var privateKeyPath: String

    public init(certificateChainPath: String, privateKeyPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }
}

/// Everything the server needs before it binds; checked by ``validate()``.
public struct ServerConfiguration: Sendable {
    /// A numeric IPv4 or IPv6 address (no brackets), or `localhost` for 127.0.0.1.
    public var host: String
    /// 0 picks a free port; read it back from ``HTTPServer/port``.
    public var port: Int
    /// nil serves plain HTTP, allowed only on loopback unless ``allowInsecure`` is set.
    public var tls: TLSConfiguration?
    /// Permits plain HTTP on a non-loopback address (e.g. behind a TLS-terminating proxy).
    public var allowInsecure: Bool
    public var limits: RequestLimits
    public var timeouts: Timeouts
    /// Connections served at once; one more is answered 503 (plain HTTP) or closed (TLS).
    public var maxConnections: Int
    public var backlog: Int
    /// Called once per response, on the connection's thread; it must not block for long.
    public var accessLog: (@Sendable (AccessLogEntry) -> Void)?
    /// Called with one line for what ends a connection without a response: failed TLS
    /// handshakes (with OpenSSL's reason) and socket errors. Never holds request content.
    public var diagnostics: (@Sendable (String) -> Void)?

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        tls: TLSConfiguration? = nil,
        allowInsecure: Bool = false,
        limits: RequestLimits = RequestLimits(),
        timeouts: Timeouts = Timeouts(),
        maxConnections: Int = 256,
        backlog: Int = 128,
        accessLog: (@Sendable (AccessLogEntry) -> Void)? = nil,
        diagnostics: (@Sendable (String) -> Void)? = nil
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.allowInsecure = allowInsecure
        self.limits = limits
        self.timeouts = timeouts
        self.maxConnections = maxConnections
        self.backlog = backlog
        self.accessLog = accessLog
        self.diagnostics = diagnostics
    }

    /// Splits `HOST:PORT` as given to `--listen`: `127.0.0.1:8080`, `[::1]:8443`, `localhost:0`.
    public static func parseListenAddress(_ text: String) throws(HTTPServerError) -> (host: String, port: Int) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw HTTPServerError(.invalidConfiguration, "Write an IPv6 listen address as [ADDRESS]:PORT, e.g. [::1]:8443.")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw HTTPServerError(.invalidConfiguration, "Write the listen address as HOST:PORT, e.g. 127.0.0.1:8080.")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              portText.count <= 5, let port = Int(portText), port <= 65535 else {
            throw HTTPServerError(.invalidConfiguration, "The port must be a number from 0 to 65535.")
        }
        return (String(host), port)
    }

    /// Checks the values and the rule that plain HTTP stays on loopback unless ``allowInsecure``.
    public func validate() throws(HTTPServerError) {
        let address = try BindAddress(host)
        guard (0...65535).contains(port) else {
            throw HTTPServerError(.invalidConfiguration, "The port must be from 0 to 65535.")
        }
        if tls == nil && !address.isLoopback && !allowInsecure {
            throw HTTPServerError(.insecureListener, "Plain HTTP on \(host) would expose tokens to the network; give a TLS certificate and key, listen on 127.0.0.1 or ::1, or allow insecure HTTP explicitly.")
        }
        guard maxConnections > 0, backlog > 0 else {
            throw HTTPServerError(.invalidConfiguration, "maxConnections and backlog must be positive.")
        }
        guard limits.maxHeadBytes >= 64, limits.maxHeaderCount > 0, limits.maxTargetBytes > 0, limits.maxBodyBytes >= 0 else {
            throw HTTPServerError(.invalidConfiguration, "Request limits must be positive (the head limit at least 64 bytes).")
        }
        for (name, value) in [("head", timeouts.head), ("body", timeouts.body), ("write", timeouts.write),
                              ("idle", timeouts.idle), ("TLS handshake", timeouts.tlsHandshake)] where value <= .zero {
            throw HTTPServerError(.invalidConfiguration, "The \(name) timeout must be positive.")
        }
    }
}

/// Why the server could not be configured, bound or started.
public struct HTTPServerError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case invalidConfiguration
        case insecureListener
        case tls
        case socket
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// One line of the access log. It deliberately holds no header and no query string: those
/// carry bearer tokens and other secrets.
public struct AccessLogEntry: Sendable, Hashable {
    /// The method, or `-` when the request line could not be read.
    public let method: String
    /// The target's path without its query, or `-` when the request line could not be read.
    public let path: String
    public let status: Int
    /// Bytes of response content written (not counting the head).
    public let bytesSent: Int
    /// From the first byte of the request to the last byte of the response.
    public let duration: Duration
    public let remoteAddress: String
    public let tls: Bool
}
