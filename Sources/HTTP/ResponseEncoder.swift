#if canImport(Glibc)
import Glibc
#endif

/// Turns a handler's response into bytes on the wire, with the server's own framing.
enum ResponseEncoder {
    /// Fields the server owns: a handler's values for them are dropped, so the framing is ours.
    private static let reserved = ["Content-Length", "Transfer-Encoding", "Connection", "Date"]

    /// Whether every handler field can be written without splitting the response: token names
    /// and values without CR, LF or other control bytes.
    static func isWritable(_ headers: HTTPHeaders) -> Bool {
        headers.allSatisfy { field in
            ASCII.isToken(field.name.utf8) && field.value.utf8.allSatisfy(ASCII.isFieldValueByte)
        }
    }

    /// The status line, headers and (unless `omitBody`, for HEAD) the body. `announceKeepAlive`
    /// is for HTTP/1.0 clients, which assume a close unless told otherwise.
    static func encode(_ response: HTTPResponse, omitBody: Bool, close: Bool, announceKeepAlive: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + response.body.count)
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(response.status.code, to: &out)
        out.append(ASCII.space)
        out.append(contentsOf: response.status.reasonPhrase.utf8)
        out.append(contentsOf: "\r\nDate: ".utf8)
        out.append(contentsOf: currentDate())
        out.append(contentsOf: "\r\n".utf8)
        if !response.status.forbidsContent {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(response.body.count, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        if close {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if announceKeepAlive {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        for field in response.headers where !reserved.contains(where: { HTTPHeaders.namesMatch($0, field.name) }) {
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        if !omitBody && !response.status.forbidsContent { out.append(contentsOf: response.body) }
        return out
    }

    /// Decimal digits without interpolation (a number this short is a small string: no allocation).
    private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    /// The Date value for now, formatted straight into bytes: per response, with no shared state
    /// for the connection threads to contend on.
    static func currentDate(_ seconds: Int = time(nil)) -> [UInt8] {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(29)
        func two(_ value: Int32) {
            out.append(UInt8(ascii: "0") + UInt8(value / 10))
            out.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        out.append(contentsOf: dayBytes[Int(parts.tm_wday)])
        out.append(contentsOf: ", ".utf8)
        two(parts.tm_mday)
        out.append(ASCII.space)
        out.append(contentsOf: monthBytes[Int(parts.tm_mon)])
        out.append(ASCII.space)
        let year = parts.tm_year + 1900
        two(year / 100)
        two(year % 100)
        out.append(ASCII.space)
        two(parts.tm_hour)
        out.append(UInt8(ascii: ":"))
        two(parts.tm_min)
        out.append(UInt8(ascii: ":"))
        two(parts.tm_sec)
        out.append(contentsOf: " GMT".utf8)
        return out
    }

    private static let dayBytes = days.map { Array($0.utf8) }
    private static let monthBytes = months.map { Array($0.utf8) }

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`, without DateFormatter.
    static func httpDate(_ seconds: Int = time(nil)) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
