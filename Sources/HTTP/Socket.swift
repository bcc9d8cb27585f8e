#if canImport(Glibc)
import Glibc
#endif

/// What a wait or a transfer on a connection ended with. Errors of the peer's making (reset,
/// EOF, timeout) are ordinary outcomes here, not exceptions: the connection loop decides.
enum IOOutcome: Equatable {
    case done(Int)
    case endOfStream
    case timedOut
    /// The shutdown signal fired while waiting for a new request.
    case interrupted
    /// The connection's wake descriptor fired: a response handed to another thread needs it.
    case woken
    case failed(String)
}

/// The byte stream a connection reads requests from and writes responses to: a plain socket or
/// TLS over it. Reads and writes never block past `deadline`.
protocol ByteStream: AnyObject {
    var fd: Int32 { get }
    /// Reads at most `buffer.count` bytes; `.done(n)` with n > 0, or `.endOfStream`.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) -> IOOutcome
    /// Writes all of `bytes` or reports why not.
    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) -> IOOutcome
    /// Whether bytes are already buffered above the socket (TLS records decrypted but unread).
    var hasBufferedBytes: Bool { get }
    /// Reads what has already arrived, without waiting: nil when nothing has (or when the stream
    /// cannot tell without waiting), else the outcome `read` would have had.
    func readIfAvailable(into buffer: UnsafeMutableRawBufferPointer) -> IOOutcome?
    /// Ends the stream politely where the protocol has a way to (TLS close_notify).
    func closeGracefully()
}

enum Poll {
    /// Waits until `fd` is ready for `events`, the deadline passes, `signal` becomes readable
    /// (`.interrupted`) or `wake` does (`.woken`).
    static func wait(_ fd: Int32, for events: Int16, until deadline: Deadline, signal: Int32? = nil, wake: Int32? = nil) -> IOOutcome {
        // A tuple, not an array: this runs before most requests, and needs no heap allocation.
        // A negative descriptor is ignored by poll().
        var fds = (pollfd(fd: fd, events: events, revents: 0), pollfd(fd: signal ?? -1, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wake ?? -1, events: Int16(POLLIN), revents: 0))
        let count: nfds_t = wake != nil ? 3 : signal != nil ? 2 : 1
        while true {
            let timeout = deadline.remainingMilliseconds
            if timeout == 0 { return .timedOut }
            let n = withUnsafeMutableBytes(of: &fds) { raw in
                poll(raw.baseAddress!.assumingMemoryBound(to: pollfd.self), count, timeout)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failed("poll: \(SystemError.describe(errno))")
            }
            if n == 0 { continue }  // re-check the deadline: poll may wake a little early
            if count >= 2, fds.1.revents != 0 { return .interrupted }
            if count == 3, fds.2.revents != 0 { return .woken }
            // POLLHUP / POLLERR also end the wait: the next read or write reports what happened.
            if fds.0.revents != 0 { return .done(0) }
        }
    }
}

enum SystemError {
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text) + " (errno \(code))"
    }
}

/// A non-blocking TCP socket; poll() supplies the waiting, so every wait has a deadline.
final class SocketStream: ByteStream {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    var hasBufferedBytes: Bool { false }

    func readIfAvailable(into buffer: UnsafeMutableRawBufferPointer) -> IOOutcome? {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 { return .done(n) }
            if n == 0 { return .endOfStream }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            case ECONNRESET, EPIPE, ENOTCONN: return .endOfStream
            default: return .failed("recv: \(SystemError.describe(errno))")
            }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) -> IOOutcome {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .done(n) }
            if n == 0 { return .endOfStream }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                let waited = Poll.wait(fd, for: Int16(POLLIN), until: deadline)
                if case .done = waited { continue }
                return waited
            case ECONNRESET, EPIPE, ENOTCONN: return .endOfStream
            default: return .failed("recv: \(SystemError.describe(errno))")
            }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) -> IOOutcome {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n >= 0 {
                offset += n
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                let waited = Poll.wait(fd, for: Int16(POLLOUT), until: deadline)
                if case .done = waited { continue }
                return waited
            case ECONNRESET, EPIPE, ENOTCONN: return .endOfStream
            default: return .failed("send: \(SystemError.describe(errno))")
            }
        }
        return .done(offset)
    }

    func closeGracefully() {}
}
