/// The protocol versions the server speaks. Anything else is answered with 505.
public enum HTTPVersion: String, Sendable, Hashable {
    case http1_0 = "HTTP/1.0"
    case http1_1 = "HTTP/1.1"
}

/// A complete request: head parsed and checked by ``RequestParser``, body read in full.
///
/// The target is in origin form (`/path?query`); ``path`` and ``query`` are its two halves as
/// received, not percent-decoded, so routing decides how to decode them.
public struct HTTPRequest: Sendable {
    /// The method token as sent (methods are case-sensitive: `get` is not `GET`).
    public var method: String
    /// The request target as sent, always starting with `/`.
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The peer as `address:port` (`[address]:port` for IPv6); empty when built by hand.
    public var remoteAddress: String

    public init(
        method: String,
        target: String,
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        remoteAddress: String = ""
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The target up to the first `?`.
    public var path: Substring {
        if let q = questionMark { return target[..<q] }
        return target[...]
    }

    /// The target after the first `?`, or nil when there is none.
    public var query: Substring? {
        guard let q = questionMark else { return nil }
        return target[target.index(after: q)...]
    }

    /// Searched byte by byte: the parser admits only ASCII in a target, and a Character search
    /// (grapheme breaking) was a visible share of a cached read.
    private var questionMark: String.Index? {
        target.utf8.firstIndex(of: UInt8(ascii: "?"))
    }

    /// Whether the client lets the connection stay open after this request (RFC 9112 §9.3):
    /// HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool {
        var close = false
        var keepAlive = false
        for value in headers.values(for: "Connection") {
            for option in value.split(separator: ",") {
                let token = option.trimmingASCIIWhitespace()
                if HTTPHeaders.namesMatch(token, "close") { close = true }
                if HTTPHeaders.namesMatch(token, "keep-alive") { keepAlive = true }
            }
        }
        if close { return false }
        return version == .http1_1 || keepAlive
    }
}

extension Substring {
    func trimmingASCIIWhitespace() -> String {
        let u = utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, u[start] == ASCII.space || u[start] == ASCII.tab { start = u.index(after: start) }
        while end > start {
            let before = u.index(before: end)
            guard u[before] == ASCII.space || u[before] == ASCII.tab else { break }
            end = before
        }
        return String(decoding: u[start..<end], as: UTF8.self)
    }
}
