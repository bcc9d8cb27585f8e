import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The answer to one request, given later and from any thread: a handler that returns nil has
/// kept this and calls ``send(_:)`` once it knows the response (e.g. once a group commit has
/// made the request's events durable).
///
/// Why: with a thread per connection, a request that waits for another thread's work (the group
/// committer) used to cost two wake-ups, one when the work was done and one when the next request
/// arrived. On a plain socket ``send(_:)`` writes the response itself, without waiting, so the
/// connection's thread sleeps until the client's next request and wakes once per request.
///
/// What is guaranteed:
/// - The response is encoded and framed exactly as a returned response would be (the server's own
///   Content-Length, Date and Connection fields).
/// - The connection's thread handles no further request, and never closes the socket, until the
///   response has been sent in full (what a non-blocking write leaves over, the connection's own
///   thread writes, under its write deadline). A slow reader therefore never blocks the sender.
/// - Over TLS the sender only hands the response over and the connection's thread writes it: a
///   TLS session is not used from two threads.
/// - Only the first ``send(_:)`` counts; later calls are ignored. The handler must call it exactly
///   once: the connection waits for it.
public final class PendingResponse: @unchecked Sendable {
    /// What happened to the response; set once, by ``send(_:)``, under `lock`.
    struct Delivery {
        let status: Int
        let bodyBytes: Int
        let sentAt: UInt64
        /// The response (with its framing) as far as it was not written: the whole of it over
        /// TLS, the rest after a write that would have blocked, empty once written in full.
        let unwritten: [UInt8]
        /// The response announced `Connection: close`: the connection closes once it is written.
        let closes: Bool
        /// The write failed (the client went away): the connection closes.
        let failed: Bool
        /// The access log line has been written (by the sender, for a response written in full).
        let logged: Bool
    }

    private let lock = NSLock()
    private var delivery: Delivery?
    /// Set by the first ``send(_:)`` before it writes, so a second call returns at once.
    private var claimed = false
    private let delivered = DispatchSemaphore(value: 0)
    /// The socket to write to directly; nil over TLS.
    private let directFD: Int32?
    /// Written to when the connection's thread has to act on the delivery (finish the write, or
    /// close) rather than wait for the client's next request.
    private let wakeFD: Int32?
    private let omitBody: Bool
    private let keepAlive: Bool
    private let announceKeepAlive: Bool
    private let isDraining: @Sendable () -> Bool
    /// The access log line of a response written here in full is written here too, so it does
    /// not wait until the connection's thread next wakes.
    private let logEntry: @Sendable (_ status: Int, _ bodyBytes: Int, _ end: UInt64) -> Void

    init(directFD: Int32?, wakeFD: Int32?, omitBody: Bool, keepAlive: Bool, announceKeepAlive: Bool,
         isDraining: @escaping @Sendable () -> Bool, logEntry: @escaping @Sendable (Int, Int, UInt64) -> Void) {
        self.directFD = directFD
        self.wakeFD = wakeFD
        self.omitBody = omitBody
        self.logEntry = logEntry
        self.keepAlive = keepAlive
        self.announceKeepAlive = announceKeepAlive
        self.isDraining = isDraining
    }

    /// Delivers the response: written to the socket right away where possible (see the type's
    /// guarantees). Never blocks on the client.
    public func send(_ response: HTTPResponse) {
        lock.lock()
        let first = !claimed
        claimed = true
        lock.unlock()
        guard first else { return }
        let response = ResponseEncoder.isWritable(response.headers)
            ? response : .text(.internalServerError, "The server produced an invalid response header.\n")
        // Whether the connection stays open is decided now, as the connection itself decides it
        // when it writes: shutdown may have begun while the response was being made.
        let closes = !keepAlive || isDraining()
        let bytes = ResponseEncoder.encode(response, omitBody: omitBody, close: closes, announceKeepAlive: announceKeepAlive)
        var offset = 0
        var failed = false
        if let fd = directFD {
            writing: while offset < bytes.count {
                let n = bytes.withUnsafeBytes { raw in
                    Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                if n >= 0 {
                    offset += n
                    continue
                }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: break writing
                default:
                    failed = true
                    break writing
                }
            }
        }
        let unwritten = failed ? [] : Array(bytes[offset...])
        let bodyBytes = omitBody || response.status.forbidsContent ? 0 : response.body.count
        let sentAt = Deadline.nowNanoseconds()
        let logged = directFD != nil && !failed && unwritten.isEmpty
        if logged { logEntry(response.status.code, bodyBytes, sentAt) }
        // The connection's thread sleeps until its client sends again; when it has to act first
        // (finish the write, or close), it is woken. Before the delivery is published: once it
        // is, the connection may close its descriptors.
        if directFD != nil, !unwritten.isEmpty || closes || failed, let wakeFD {
            var byte: UInt8 = 1
            _ = Glibc.write(wakeFD, &byte, 1)
        }
        lock.lock()
        delivery = Delivery(status: response.status.code, bodyBytes: bodyBytes, sentAt: sentAt,
                            unwritten: unwritten, closes: closes, failed: failed, logged: logged)
        lock.unlock()
        delivered.signal()
    }

    /// Whether ``send(_:)`` writes to the socket itself (a plain socket), rather than handing the
    /// response to the connection's thread.
    var writesDirectly: Bool { directFD != nil }

    /// Waits until ``send(_:)`` has delivered the response, and returns what it did.
    func awaitDelivery() -> Delivery {
        delivered.wait()
        delivered.signal()  // later waits return at once
        lock.lock()
        defer { lock.unlock() }
        return delivery!
    }
}

/// Lets the handler of a connection's current request answer it later, from another thread.
///
/// One per connection, reused for each of its requests, so a request answered at once costs
/// nothing for the possibility of answering later.
public final class ResponseDeferral: @unchecked Sendable {
    // All of it is touched only by the connection's thread (the handler runs on it).
    private let directFD: Int32?
    private let isDraining: @Sendable () -> Bool
    private var wakePipe: (read: Int32, write: Int32)?
    private var omitBody = false
    private var keepAlive = true
    private var announceKeepAlive = false
    /// Makes the access-log writer of a request (method, path, start) answered later.
    private let logger: (String, String, UInt64) -> @Sendable (Int, Int, UInt64) -> Void
    private var method = ""
    private var path = ""
    private var start: UInt64 = 0
    /// The current request's pending response, once the handler has asked for it.
    private(set) var taken: PendingResponse?

    init(directFD: Int32?, isDraining: @escaping @Sendable () -> Bool,
         logger: @escaping (String, String, UInt64) -> @Sendable (Int, Int, UInt64) -> Void) {
        self.directFD = directFD
        self.isDraining = isDraining
        self.logger = logger
    }

    deinit {
        if let wakePipe {
            _ = Glibc.close(wakePipe.read)
            _ = Glibc.close(wakePipe.write)
        }
    }

    /// The current request's response, to be given later with ``PendingResponse/send(_:)``. A
    /// handler that calls this must return nil (a response it returns anyway is ignored), and
    /// must see to it that `send` is called exactly once: the connection waits for it.
    public func answerLater() -> PendingResponse {
        if let taken { return taken }
        var wake: Int32?
        if directFD != nil {
            if wakePipe == nil { wakePipe = Self.makePipe() }
            wake = wakePipe?.write
        }
        // Without a wake pipe (out of descriptors) the connection's thread waits for the
        // response instead of sleeping until the next request.
        let pending = PendingResponse(
            directFD: wake == nil ? nil : directFD, wakeFD: wake, omitBody: omitBody, keepAlive: keepAlive,
            announceKeepAlive: announceKeepAlive, isDraining: isDraining, logEntry: logger(method, path, start))
        taken = pending
        return pending
    }

    /// Called by the connection before its handler runs, with what the request's access log
    /// line needs should it be answered later.
    func prepare(omitBody: Bool, keepAlive: Bool, announceKeepAlive: Bool, method: String, path: String, start: UInt64) {
        self.omitBody = omitBody
        self.keepAlive = keepAlive
        self.announceKeepAlive = announceKeepAlive
        self.method = method
        self.path = path
        self.start = start
        taken = nil
    }

    /// Whether the pending response of the current request is written by its sender (the
    /// connection's thread may then sleep until the next request).
    var writesDirectly: Bool { taken?.writesDirectly ?? false }

    /// Where the connection's thread is woken for a response it must act on.
    var wakeFD: Int32? { wakePipe?.read }

    /// Empties the wake pipe after it fired.
    func drainWake() {
        guard let wakePipe else { return }
        var sink = [UInt8](repeating: 0, count: 64)
        while Glibc.read(wakePipe.read, &sink, sink.count) > 0 {}
    }

    private static func makePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        return (fds[0], fds[1])
    }
}
