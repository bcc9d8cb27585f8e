/// The request line and header fields, checked; what the server needs to read the body.
public struct RequestHead: Sendable {
    public var method: String
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// From Content-Length; 0 when absent (a request without framing has no body).
    public var contentLength: Int
    /// `Expect: 100-continue` was sent: the client waits for an interim 100 before the body.
    public var expectsContinue: Bool
}

/// A strict HTTP/1.1 request-head parser working on bytes (RFC 9112), with no string scanning.
///
/// Decisions, all made to leave no room for request smuggling or ambiguity between us and a proxy:
/// - Lines end with CRLF only. A lone LF or a lone CR anywhere in the head is refused (400),
///   although RFC 9112 §2.2 would let a server accept a lone LF.
/// - The request starts at the first byte: an empty line before the request line is refused.
/// - Only origin-form targets (`/…`): absolute-form, authority-form and `*` are refused (400).
/// - `HTTP/1.1` and `HTTP/1.0` only; another well-formed version gets 505.
/// - No obs-fold (a line starting with SP or HTAB), no whitespace between a name and its colon,
///   no control bytes in values.
/// - HTTP/1.1 needs exactly one Host; HTTP/1.0 at most one.
/// - Content-Length: digits only; repeated (as lines or a list) only with the same value.
/// - Transfer-Encoding is not implemented: 501, or 400 when Content-Length is also present.
public enum RequestParser {
    /// Looks for the blank line ending the head in `bytes`.
    ///
    /// - Parameter scanned: how many bytes an earlier call already looked at (0 at first), so
    ///   a head arriving in pieces is scanned once.
    /// - Returns: the index just past the blank line, or nil when more bytes are needed.
    /// - Throws: 400 on a lone CR or LF, 431 when the head exceeds `limits.maxHeadBytes`.
    public static func headEnd(
        in bytes: [UInt8], scanned: Int = 0, limits: RequestLimits
    ) throws(HTTPRequestError) -> Int? {
        var i = max(0, scanned - 1)
        let count = bytes.count
        while i < count {
            let b = bytes[i]
            if b == ASCII.cr {
                if i + 1 < count, bytes[i + 1] != ASCII.lf {
                    throw HTTPRequestError(.bareLineFeed, "A CR in the request head must be followed by LF; end every line with CRLF.")
                }
            } else if b == ASCII.lf {
                if i == 0 || bytes[i - 1] != ASCII.cr {
                    throw HTTPRequestError(.bareLineFeed, "The request head has a line ending in a lone LF; end every line with CRLF.")
                }
                if i == 1 {
                    throw HTTPRequestError(.malformedRequestLine, "The request starts with an empty line; send the request line first.")
                }
                if i >= 3, bytes[i - 2] == ASCII.lf {
                    let end = i + 1
                    if end > limits.maxHeadBytes { throw headTooLarge(limits) }
                    return end
                }
            }
            i += 1
        }
        if count >= limits.maxHeadBytes { throw headTooLarge(limits) }
        return nil
    }

    private static func headTooLarge(_ limits: RequestLimits) -> HTTPRequestError {
        HTTPRequestError(.headerSectionTooLarge, "The request line and headers exceed \(limits.maxHeadBytes) bytes; send fewer or shorter header fields.")
    }

    /// Parses and checks the head occupying `bytes[0..<end]` (`end` from ``headEnd(in:scanned:limits:)``).
    public static func parseHead(
        _ bytes: [UInt8], end: Int, limits: RequestLimits
    ) throws(HTTPRequestError) -> RequestHead {
        precondition(end >= 4 && end <= bytes.count && bytes[end - 1] == ASCII.lf && bytes[end - 3] == ASCII.lf)
        var i = 0

        // method SP
        while i < end, ASCII.isToken(bytes[i]) { i += 1 }
        guard i > 0, bytes[i] == ASCII.space else {
            if i == 0 { throw HTTPRequestError(.malformedRequestLine, "The request line must start with a method such as GET or POST.") }
            throw HTTPRequestError(.invalidMethod, "The method holds a character that is not allowed in a token; use e.g. GET or POST followed by one space.")
        }
        let method = String(decoding: bytes[0..<i], as: UTF8.self)
        i += 1

        // request-target SP
        let targetStart = i
        while i < end, bytes[i] != ASCII.space, bytes[i] != ASCII.cr {
            let b = bytes[i]
            guard b >= 0x21, b <= 0x7E else {
                throw HTTPRequestError(.invalidTarget, "The request target holds a byte that must be percent-encoded.")
            }
            i += 1
            if i - targetStart > limits.maxTargetBytes {
                throw HTTPRequestError(.targetTooLong, "The request target exceeds \(limits.maxTargetBytes) bytes; shorten the path or query.")
            }
        }
        guard i > targetStart, bytes[i] == ASCII.space else {
            throw HTTPRequestError(.malformedRequestLine, "The request line must be: method, one space, target, one space, HTTP version.")
        }
        guard bytes[targetStart] == UInt8(ascii: "/") else {
            throw HTTPRequestError(.invalidTarget, "The request target must be a path starting with '/' (origin form), not an absolute URL or '*'.")
        }
        let target = String(decoding: bytes[targetStart..<i], as: UTF8.self)
        i += 1

        // HTTP-version CRLF
        let versionStart = i
        while i < end, bytes[i] != ASCII.cr { i += 1 }
        let version = try parseVersion(bytes[versionStart..<i])
        i += 2

        // field lines, then the blank line at end - 2
        var headers: [HTTPField] = []
        while i < end - 2 {
            let b = bytes[i]
            if b == ASCII.space || b == ASCII.tab {
                throw HTTPRequestError(.obsoleteLineFolding, "A header line starts with whitespace (obsolete line folding); put each field on one line.")
            }
            let nameStart = i
            while ASCII.isToken(bytes[i]) { i += 1 }
            let nameEnd = i
            if bytes[i] == ASCII.space || bytes[i] == ASCII.tab {
                throw HTTPRequestError(.whitespaceBeforeColon, "A header name is followed by whitespace; write 'Name: value' with the colon right after the name.")
            }
            guard nameEnd > nameStart, bytes[i] == ASCII.colon else {
                throw HTTPRequestError(.malformedHeaderLine, "A header line is not 'Name: value' with a token name.")
            }
            i += 1
            while bytes[i] == ASCII.space || bytes[i] == ASCII.tab { i += 1 }
            let valueStart = i
            var valueEnd = i
            while bytes[i] != ASCII.cr {
                let v = bytes[i]
                guard ASCII.isFieldValueByte(v) else {
                    throw HTTPRequestError(.invalidFieldValue, "A header value holds a control character.")
                }
                i += 1
                if v != ASCII.space, v != ASCII.tab { valueEnd = i }
            }
            i += 2
            if headers.count == limits.maxHeaderCount {
                throw HTTPRequestError(.tooManyHeaderFields, "The request has more than \(limits.maxHeaderCount) header fields; send fewer.")
            }
            headers.append(HTTPField(
                name: String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self),
                value: String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
            ))
        }
        let fields = HTTPHeaders(headers)

        try checkHost(fields, version: version)
        let contentLength = try contentLength(fields)
        if fields.contains("Transfer-Encoding") {
            if contentLength != nil {
                throw HTTPRequestError(.transferEncodingWithContentLength, "The request has both Transfer-Encoding and Content-Length; send only Content-Length.")
            }
            throw HTTPRequestError(.transferEncodingNotImplemented, "Transfer-Encoding (chunked bodies) is not supported; send the body with a Content-Length.")
        }
        let length = contentLength ?? 0
        if length > limits.maxBodyBytes {
            throw HTTPRequestError(.contentTooLarge, "The body of \(length) bytes exceeds the limit of \(limits.maxBodyBytes) bytes.")
        }
        var expectsContinue = false
        let expectations = fields.values(for: "Expect")
        if !expectations.isEmpty {
            guard expectations.count == 1, HTTPHeaders.namesMatch(expectations[0], "100-continue") else {
                throw HTTPRequestError(.unsupportedExpectation, "Only 'Expect: 100-continue' is supported.")
            }
            expectsContinue = length > 0
        }
        return RequestHead(
            method: method, target: target, version: version, headers: fields,
            contentLength: length, expectsContinue: expectsContinue
        )
    }

    /// Parses one complete request held in `bytes` (head and body), e.g. for tests and tools.
    /// - Returns: the request and the bytes it used, or nil when `bytes` holds less than one request.
    public static func parse(
        _ bytes: [UInt8], limits: RequestLimits = RequestLimits()
    ) throws(HTTPRequestError) -> (request: HTTPRequest, consumed: Int)? {
        guard let end = try headEnd(in: bytes, limits: limits) else { return nil }
        let head = try parseHead(bytes, end: end, limits: limits)
        guard bytes.count - end >= head.contentLength else { return nil }
        let request = HTTPRequest(
            method: head.method, target: head.target, version: head.version,
            headers: head.headers, body: Array(bytes[end..<(end + head.contentLength)])
        )
        return (request, end + head.contentLength)
    }

    private static func parseVersion(_ v: ArraySlice<UInt8>) throws(HTTPRequestError) -> HTTPVersion {
        let expected = Array("HTTP/1.1".utf8)
        guard v.count == 8 else {
            throw HTTPRequestError(.malformedRequestLine, "The request line must end with the version HTTP/1.1 (or HTTP/1.0).")
        }
        let b = Array(v)
        if b[0..<5].elementsEqual(expected[0..<5]), ASCII.isDigit(b[5]), b[6] == UInt8(ascii: "."), ASCII.isDigit(b[7]) {
            if b[5] == UInt8(ascii: "1") && b[7] == UInt8(ascii: "1") { return .http1_1 }
            if b[5] == UInt8(ascii: "1") && b[7] == UInt8(ascii: "0") { return .http1_0 }
            throw HTTPRequestError(.unsupportedVersion, "Only HTTP/1.1 and HTTP/1.0 are supported.")
        }
        throw HTTPRequestError(.malformedRequestLine, "The request line must end with the version HTTP/1.1 (or HTTP/1.0).")
    }

    private static func checkHost(_ fields: HTTPHeaders, version: HTTPVersion) throws(HTTPRequestError) {
        let hosts = fields.values(for: "Host")
        if hosts.count > 1 {
            throw HTTPRequestError(.multipleHosts, "The request has more than one Host header; send exactly one.")
        }
        guard let host = hosts.first else {
            if version == .http1_1 {
                throw HTTPRequestError(.missingHost, "An HTTP/1.1 request needs a Host header.")
            }
            return
        }
        // uri-host [":" port]: reg-name, IPv4 or an IP literal in brackets; no spaces, no userinfo.
        for b in host.utf8 {
            let allowed = ASCII.isToken(b) || b == ASCII.colon || b == UInt8(ascii: "[") || b == UInt8(ascii: "]")
                || b == UInt8(ascii: "(") || b == UInt8(ascii: ")") || b == UInt8(ascii: ",")
                || b == UInt8(ascii: ";") || b == UInt8(ascii: "=")
            guard allowed else {
                throw HTTPRequestError(.invalidHost, "The Host header is not a host name with an optional port.")
            }
        }
    }

    /// nil when absent; throws on anything but one decimal value (possibly repeated identically).
    private static func contentLength(_ fields: HTTPHeaders) throws(HTTPRequestError) -> Int? {
        var result: Int?
        for line in fields.values(for: "Content-Length") {
            for element in line.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                var digits = element[...]
                while let f = digits.first, f == ASCII.space || f == ASCII.tab { digits = digits.dropFirst() }
                while let l = digits.last, l == ASCII.space || l == ASCII.tab { digits = digits.dropLast() }
                guard !digits.isEmpty, digits.allSatisfy(ASCII.isDigit) else {
                    throw HTTPRequestError(.invalidContentLength, "Content-Length must be a decimal number of bytes.")
                }
                guard digits.count <= 15 else {
                    throw HTTPRequestError(.invalidContentLength, "Content-Length is too large to be a body this server could accept.")
                }
                let value = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
                if let previous = result, previous != value {
                    throw HTTPRequestError(.conflictingContentLength, "The request has Content-Length values that differ; send exactly one.")
                }
                result = value
            }
        }
        return result
    }
}
