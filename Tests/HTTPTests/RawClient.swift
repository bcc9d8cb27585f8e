import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client for sending exactly the bytes a test wants, malformed ones included.
/// Every receive has a timeout so no test can hang.
final class RawClient {
    let fd: Int32

    init(host: String = "127.0.0.1", port: Int) throws {
        let v6 = host.contains(":")
        fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawClientError.system("socket", errno) }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let result: Int32
        if v6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = in_port_t(UInt16(port)).bigEndian
            inet_pton(AF_INET6, host, &sa.sin6_addr)
            result = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = in_port_t(UInt16(port)).bigEndian
            inet_pton(AF_INET, host, &sa.sin_addr)
            result = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw RawClientError.system("connect", code)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw RawClientError.system("send", errno) }
            offset += n
        }
    }

    /// Whether bytes (or EOF) are ready within `milliseconds`.
    func readable(within milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, milliseconds) > 0
    }

    /// Everything until the server closes (or the 10 s receive timeout).
    func readUntilClose() -> String {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One response framed by Content-Length (no body for 1xx/204/304).
    /// Bytes of a later response that arrived with this one are kept for the next call.
    func readResponse() throws -> (status: Int, head: String, body: String) {
        var bytes = pending
        pending = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func more() throws {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { throw RawClientError.closed(String(decoding: bytes, as: UTF8.self)) }
            bytes.append(contentsOf: chunk[0..<n])
        }
        let terminator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        func findHeadEnd() {
            if bytes.count >= 4 {
                headEnd = (0...(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == terminator }.map { $0 + 4 }
            }
        }
        findHeadEnd()
        while headEnd == nil {
            try more()
            findHeadEnd()
        }
        let head = String(decoding: bytes[0..<headEnd!], as: UTF8.self)
        let status = Int(head.split(separator: " ")[1])!
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))!
        }
        while bytes.count < headEnd! + length { try more() }
        pending = Array(bytes[(headEnd! + length)...])
        return (status, head, String(decoding: bytes[headEnd!..<(headEnd! + length)], as: UTF8.self))
    }

    /// Bytes received past the last response read (pipelining).
    private(set) var pending: [UInt8] = []
}

enum RawClientError: Error {
    case system(String, Int32)
    case closed(String)
}
