import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on POSIX sockets, optionally over TLS.
///
/// Each connection runs on its own thread (Foundation `Thread`), never on Swift's cooperative
/// pool, because the handler is synchronous and may block (the ledger waits on SQLite). At most
/// `maxConnections` are served at once; one more is answered 503 and closed right away.
///
/// Guarantees: every wait has an absolute deadline (slow clients get 408), SIGPIPE is ignored,
/// responses always carry the server's own Content-Length and Date, and ``shutdown(grace:)``
/// lets requests in flight finish before it closes what remains.
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    /// The bound port: the configured one, or the one the kernel chose for port 0.
    public let port: Int

    private let handler: @Sendable (HTTPRequest, ResponseDeferral) -> HTTPResponse?
    private let listener: Listener
    private let tls: TLSContext?
    /// Written once at shutdown; stays readable, waking the accept loop and idle connections.
    private let signalRead: Int32
    private let signalWrite: Int32
    private let state = Mutex(State())
    private let draining = Atomic<Bool>(false)
    private let acceptor = DispatchGroup()
    private let connections = DispatchGroup()

    private struct State {
        var started = false
        var stopped = false
        var active = 0
        var sockets: Set<Int32> = []
    }

    /// Validates the configuration, loads the TLS certificate and key, and binds; nothing is
    /// accepted until ``start()``.
    public convenience init(
        configuration: ServerConfiguration,
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) throws(HTTPServerError) {
        try self.init(configuration: configuration, deferringHandler: { request, _ in handler(request) })
    }

    /// As ``init(configuration:handler:)``, with a handler that may answer a request later from
    /// another thread: it calls the deferral's ``ResponseDeferral/answerLater()``, returns nil,
    /// and sends the response through the ``PendingResponse`` (exactly once).
    public init(
        configuration: ServerConfiguration,
        deferringHandler handler: @escaping @Sendable (HTTPRequest, ResponseDeferral) -> HTTPResponse?
    ) throws(HTTPServerError) {
        try configuration.validate()
        self.configuration = configuration
        self.handler = handler
        tls = try configuration.tls.map { (tls) throws(HTTPServerError) in try TLSContext(tls) }
        listener = try Listener(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        port = listener.port
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            listener.close()
            throw HTTPServerError(.socket, "pipe(): \(SystemError.describe(errno))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        signalRead = fds[0]
        signalWrite = fds[1]
    }

    deinit {
        shutdown(grace: .zero)
        _ = close(signalRead)
        _ = close(signalWrite)
    }

    /// Connections being served right now.
    public var activeConnections: Int { state.withLock { $0.active } }

    /// Starts accepting on a dedicated thread. Calling it again, or after shutdown, does nothing.
    public func start() {
        let begin = state.withLock { s -> Bool in
            guard !s.started, !s.stopped else { return false }
            s.started = true
            return true
        }
        guard begin else { return }
        signal(SIGPIPE, SIG_IGN)
        acceptor.enter()
        let thread = Thread { [self] in
            acceptLoop()
            acceptor.leave()
        }
        thread.name = "http-accept"
        thread.start()
    }

    /// Stops accepting, lets requests in flight finish for up to `grace`, then shuts down the
    /// sockets still open and waits for their threads. Idle keep-alive connections close at once.
    /// Blocks until done; calling it again does nothing. Never call it from a handler: it waits
    /// for every connection thread, the caller's included. A service wires SIGTERM to it (e.g.
    /// with a `DispatchSource` signal source) on a thread of its own.
    public func shutdown(grace: Duration = .seconds(10)) {
        let first = state.withLock { s -> Bool in
            guard !s.stopped else { return false }
            s.stopped = true
            return true
        }
        guard first else { return }
        draining.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(signalWrite, &byte, 1)
        acceptor.wait()
        listener.close()
        if connections.wait(timeout: .now() + .nanoseconds(Int(clamping: grace.wholeNanoseconds))) == .timedOut {
            state.withLock { s in
                // Still under the lock, so no connection can close (and the kernel reuse) these fds meanwhile.
                for fd in s.sockets { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
            }
            connections.wait()
        }
    }

    private var environment: ConnectionEnvironment {
        ConnectionEnvironment(
            configuration: configuration, handler: handler, shutdownSignal: signalRead,
            isDraining: { [self] in draining.load(ordering: .acquiring) }
        )
    }

    private func acceptLoop() {
        let forever = Deadline(nanoseconds: .max)
        let environment = environment
        while true {
            if case .interrupted = Poll.wait(listener.fd, for: Int16(POLLIN), until: forever, signal: signalRead) { return }
            accepting: while true {
                switch listener.accept() {
                case .connection(let fd, let remote):
                    admit(fd: fd, remote: remote, environment: environment)
                case .wouldBlock:
                    break accepting
                case .failed(let code):
                    // Out of descriptors or memory: back off instead of spinning on a readable listener.
                    if code != EINTR && code != ECONNABORTED { usleep(10_000) }
                    break accepting
                }
            }
        }
    }

    private func admit(fd: Int32, remote: String, environment: ConnectionEnvironment) {
        let acceptedAt = Deadline.nowNanoseconds()
        let admitted = state.withLock { s -> Bool in
            guard s.active < configuration.maxConnections else { return false }
            s.active += 1
            s.sockets.insert(fd)
            return true
        }
        guard admitted else {
            refuseBusy(fd: fd, remote: remote, acceptedAt: acceptedAt)
            return
        }
        connections.enter()
        let thread = Thread { [self] in
            serve(fd: fd, remote: remote, acceptedAt: acceptedAt, environment: environment)
            state.withLock { s in
                s.sockets.remove(fd)
                s.active -= 1
            }
            _ = close(fd)
            connections.leave()
        }
        thread.name = "http-connection"
        thread.start()
    }

    private func serve(fd: Int32, remote: String, acceptedAt: UInt64, environment: ConnectionEnvironment) {
        let stream: ByteStream
        if let tls {
            guard let session = tls.makeStream(fd: fd) else { return }
            let deadline = Deadline(nanoseconds: acceptedAt &+ configuration.timeouts.tlsHandshake.wholeNanoseconds)
            let outcome = session.handshake(deadline: deadline)
            guard case .done = outcome else {
                let reason = switch outcome {
                case .timedOut: "did not finish within \(configuration.timeouts.tlsHandshake)"
                case .failed(let detail): "failed: \(detail)"
                default: "was abandoned by the client"
                }
                configuration.diagnostics?("TLS handshake with \(remote) \(reason)")
                return
            }
            stream = session
        } else {
            stream = SocketStream(fd: fd)
        }
        let connection = Connection(stream: stream, remote: remote, isTLS: tls != nil, environment: environment)
        connection.run(acceptedAt: acceptedAt)
        stream.closeGracefully()
    }

    /// Over the connection cap: a plain-HTTP client gets 503 in one non-blocking send (it fits in
    /// an empty socket buffer); a TLS client is just closed, since answering would need a handshake
    /// on the accept thread.
    private func refuseBusy(fd: Int32, remote: String, acceptedAt: UInt64) {
        if tls == nil {
            var response = HTTPResponse.text(.serviceUnavailable, "The server is at its connection limit; retry shortly.\n")
            response.headers.add(name: "Retry-After", value: "1")
            let bytes = ResponseEncoder.encode(response, omitBody: false, close: true)
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            _ = Glibc.shutdown(fd, Int32(SHUT_WR))
            var sink = [UInt8](repeating: 0, count: 4096)
            _ = recv(fd, &sink, sink.count, Int32(MSG_DONTWAIT))
            configuration.accessLog?(AccessLogEntry(
                method: "-", path: "-", status: 503, bytesSent: response.body.count,
                duration: .nanoseconds(Int64(clamping: Deadline.nowNanoseconds() &- acceptedAt)),
                remoteAddress: remote, tls: false
            ))
        }
        _ = close(fd)
    }
}
