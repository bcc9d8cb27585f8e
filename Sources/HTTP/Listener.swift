#if canImport(Glibc)
import Glibc
#endif

/// A numeric address to bind, parsed with inet_pton (no name resolution: what is configured is
/// exactly what is bound).
struct BindAddress {
    enum Family { case v4(in_addr), v6(in6_addr) }
    let family: Family

    init(_ host: String) throws(HTTPServerError) {
        let text = host == "localhost" ? "127.0.0.1" : host
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            family = .v4(v4)
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            family = .v6(v6)
            return
        }
        throw HTTPServerError(.invalidConfiguration, "'\(host)' is not a numeric IPv4 or IPv6 address (nor localhost).")
    }

    /// 127.0.0.0/8 or ::1.
    var isLoopback: Bool {
        switch family {
        case .v4(let a): UInt32(bigEndian: a.s_addr) >> 24 == 127
        case .v6(var a):
            withUnsafeBytes(of: &a) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
    }
}

/// The listening socket: non-blocking, close-on-exec, with SO_REUSEADDR; IPv6 sockets are
/// IPv6-only so `::1` never silently also means 127.0.0.1.
final class Listener: Sendable {
    let fd: Int32
    let port: Int

    init(host: String, port: Int, backlog: Int) throws(HTTPServerError) {
        let address = try BindAddress(host)
        let domain: Int32
        switch address.family {
        case .v4: domain = AF_INET
        case .v6: domain = AF_INET6
        }
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError(.socket, "socket(): \(SystemError.describe(errno))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var result: Int32
        switch address.family {
        case .v4(let a):
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = in_port_t(UInt16(port)).bigEndian
            sa.sin_addr = a
            result = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(let a):
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = in_port_t(UInt16(port)).bigEndian
            sa.sin6_addr = a
            result = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        guard result == 0 else {
            let message = "Cannot bind \(host):\(port): \(SystemError.describe(errno))"
            _ = Glibc.close(fd)
            throw HTTPServerError(.socket, message)
        }
        guard listen(fd, Int32(clamping: backlog)) == 0 else {
            let message = "listen(): \(SystemError.describe(errno))"
            _ = Glibc.close(fd)
            throw HTTPServerError(.socket, message)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(Self.describe(&storage).port)
    }

    enum Accepted {
        case connection(fd: Int32, remote: String)
        case wouldBlock
        case failed(Int32)
    }

    /// One accept(); the new socket is made non-blocking and close-on-exec, with TCP_NODELAY
    /// (responses are written whole, so Nagle would only add latency).
    func accept() -> Accepted {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
        }
        if client < 0 {
            let code = errno
            return code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .failed(code)
        }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
        var one: Int32 = 1
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let (address, port) = Self.describe(&storage)
        return .connection(fd: client, remote: address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)")
    }

    /// Closes the listening socket; called once, by the server's shutdown.
    func close() { _ = Glibc.close(fd) }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func describe(_ storage: inout sockaddr_storage) -> (address: String, port: UInt16) {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sa in
                    var a = sa.pointee.sin_addr
                    inet_ntop(AF_INET, &a, &text, socklen_t(text.count))
                    return (Self.string(text), UInt16(bigEndian: sa.pointee.sin_port))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sa in
                    var a = sa.pointee.sin6_addr
                    inet_ntop(AF_INET6, &a, &text, socklen_t(text.count))
                    return (Self.string(text), UInt16(bigEndian: sa.pointee.sin6_port))
                }
            }
        default:
            return ("?", 0)
        }
    }
}
