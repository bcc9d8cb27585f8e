#if canImport(Glibc)
import Glibc
#endif

/// What a connection needs from its server; Sendable, shared by every connection thread.
struct ConnectionEnvironment: Sendable {
    let configuration: ServerConfiguration
    /// Returns the response, or nil when it called the deferral's `answerLater()` to answer later.
    let handler: @Sendable (HTTPRequest, ResponseDeferral) -> HTTPResponse?
    /// Becomes readable (and stays so) once shutdown starts.
    let shutdownSignal: Int32
    let isDraining: @Sendable () -> Bool
}

/// One client connection, served request after request on its own thread.
///
/// Not Sendable: it owns its stream (and the TLS session in it) and never leaves the thread
/// that runs ``run(acceptedAt:)``.
final class Connection {
    private let stream: ByteStream
    private let remote: String
    private let environment: ConnectionEnvironment
    private let isTLS: Bool
    /// Bytes received and not yet consumed: part of a head, a body, or a pipelined request.
    private var buffer: [UInt8] = []
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
    private let deferral: ResponseDeferral
    /// A response another thread is sending (``PendingResponse``), with what its log line needs.
    private var deferred: (pending: PendingResponse, method: String, path: String, start: UInt64)?

    init(stream: ByteStream, remote: String, isTLS: Bool, environment: ConnectionEnvironment) {
        self.stream = stream
        self.remote = remote
        self.isTLS = isTLS
        self.environment = environment
        // Only a plain socket is written from another thread; a TLS session stays on this one.
        let accessLog = environment.configuration.accessLog
        deferral = ResponseDeferral(directFD: isTLS ? nil : stream.fd, isDraining: environment.isDraining) { method, path, start in
            Self.accessLogger(accessLog, method: method, path: path, start: start, remote: remote, isTLS: isTLS)
        }
    }

    deinit { scratch.deallocate() }

    private var configuration: ServerConfiguration { environment.configuration }

    /// Serves requests until the client closes, asks to close, errs, is too slow, or the
    /// server shuts down. The caller closes the socket afterwards.
    func run(acceptedAt: UInt64) {
        serveRequests(acceptedAt: acceptedAt)
        // Never return (letting the socket close, and its number be reused) while another thread
        // may still write the last response to it.
        if deferred != nil { _ = finishDeferred() }
    }

    private func serveRequests(acceptedAt: UInt64) {
        var first = true
        while true {
            let requestStart: UInt64
            let headDeadline: Deadline
            if first {
                // A new connection gets one head deadline from accept: sending nothing is as slow as sending slowly.
                requestStart = acceptedAt
                headDeadline = Deadline(nanoseconds: acceptedAt &+ configuration.timeouts.head.wholeNanoseconds)
                if buffer.isEmpty && !stream.hasBufferedBytes {
                    switch Poll.wait(stream.fd, for: Int16(POLLIN), until: headDeadline, signal: environment.shutdownSignal) {
                    case .done: break
                    case .timedOut:
                        refuse(HTTPRequestError(.requestTimeout, timeoutMessage("request head", configuration.timeouts.head)), method: "-", path: "-", start: requestStart)
                        return
                    default: return
                    }
                }
            } else {
                if buffer.isEmpty && !stream.hasBufferedBytes {
                    // A request that has already arrived is read at once: no poll() for it. Once
                    // shutdown has started, an idle connection is not read from but closed. While
                    // the last response is still being made elsewhere (a group commit), the client
                    // is waiting for it, so a read now would almost always find nothing: the
                    // poll() below is entered at once (it sees a pipelined request just the same).
                    let speculate = deferred == nil && !environment.isDraining()
                    switch speculate ? stream.readIfAvailable(into: scratch) : nil {
                    case .done(let n)?:
                        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                    case .failed(let detail)?:
                        configuration.diagnostics?("Reading from \(remote) failed: \(detail)")
                        return
                    case .some:
                        return  // the client closed: nothing to answer
                    case nil:
                        // Idle keep-alive: closing quietly is the expected end, not an error for the client.
                        var idle = Deadline(after: configuration.timeouts.idle)
                        waiting: while true {
                            // While another thread sends the last response, it may need this one.
                            let wake = deferred == nil ? nil : deferral.wakeFD
                            switch Poll.wait(stream.fd, for: Int16(POLLIN), until: idle, signal: environment.shutdownSignal, wake: wake) {
                            case .done: break waiting
                            case .woken:
                                deferral.drainWake()
                                guard finishDeferred() else { return }
                                // Idle time counts from the end of the last response.
                                idle = Deadline(after: configuration.timeouts.idle)
                            default: return
                            }
                        }
                    }
                }
                // The next request is here: the last response must be out in full first.
                if deferred != nil { guard finishDeferred() else { return } }
                requestStart = Deadline.nowNanoseconds()
                headDeadline = Deadline(nanoseconds: requestStart &+ configuration.timeouts.head.wholeNanoseconds)
            }
            first = false
            guard serveOne(start: requestStart, headDeadline: headDeadline) else { return }
        }
    }

    /// Reads, handles and answers one request. Returns whether the connection stays open.
    private func serveOne(start: UInt64, headDeadline: Deadline) -> Bool {
        let limits = configuration.limits
        var scanned = 0
        var headEnd = 0
        do throws(HTTPRequestError) {
            while true {
                if let end = try RequestParser.headEnd(in: buffer, scanned: scanned, limits: limits) {
                    headEnd = end
                    break
                }
                scanned = buffer.count
                switch readMore(until: headDeadline) {
                case .done: continue
                case .timedOut:
                    throw HTTPRequestError(.requestTimeout, timeoutMessage("request head", configuration.timeouts.head))
                default:
                    return false
                }
            }
        } catch {
            refuse(error, method: "-", path: "-", start: start)
            return false
        }

        let head: RequestHead
        do throws(HTTPRequestError) {
            head = try RequestParser.parseHead(buffer, end: headEnd, limits: limits)
        } catch {
            let method = Self.requestLineMethod(buffer)
            refuse(error, method: method, path: "-", start: start)
            return false
        }
        let path = String(head.target.prefix { $0 != "?" })

        let needed = headEnd + head.contentLength
        if head.expectsContinue && buffer.count < needed {
            let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            guard case .done = writeAll(interim, until: Deadline(after: configuration.timeouts.write)) else { return false }
        }
        let bodyDeadline = Deadline(after: configuration.timeouts.body)
        if buffer.count < needed { buffer.reserveCapacity(needed) }
        while buffer.count < needed {
            switch readMore(until: bodyDeadline) {
            case .done: continue
            case .timedOut:
                refuse(HTTPRequestError(.requestTimeout, timeoutMessage("request body", configuration.timeouts.body)),
                       method: head.method, path: path, start: start)
                return false
            default:
                return false  // the client went away mid-body: nothing to answer
            }
        }

        let request = HTTPRequest(
            method: head.method, target: head.target, version: head.version, headers: head.headers,
            body: Array(buffer[headEnd..<needed]), remoteAddress: remote
        )
        buffer.removeFirst(needed)

        let isHead = request.method == "HEAD"
        deferral.prepare(omitBody: isHead, keepAlive: request.keepAlive, announceKeepAlive: request.version == .http1_0,
                         method: request.method, path: path, start: start)
        let answer = environment.handler(request, deferral)
        if let pending = deferral.taken {
            deferred = (pending, request.method, path, start)
            // A plain socket gets its response from the sender; over TLS this thread writes it.
            return pending.writesDirectly ? true : finishDeferred()
        }
        // nil without a pending response is a handler's mistake; the client still gets an answer.
        var response = answer ?? .text(.internalServerError, "The server produced no response.\n")
        if !ResponseEncoder.isWritable(response.headers) {
            response = .text(.internalServerError, "The server produced an invalid response header.\n")
        }
        let keepAlive = request.keepAlive && !environment.isDraining()
        let bytes = ResponseEncoder.encode(
            response, omitBody: isHead, close: !keepAlive, announceKeepAlive: request.version == .http1_0
        )
        let written = writeAll(bytes, until: Deadline(after: configuration.timeouts.write))
        log(method: request.method, path: path, status: response.status.code,
            bytes: isHead || response.status.forbidsContent ? 0 : response.body.count, start: start)
        guard case .done = written else { return false }
        return keepAlive
    }

    /// Waits for the deferred response to be delivered, writes what its sender left unwritten (all
    /// of it over TLS), and logs it. Returns whether the connection stays open.
    private func finishDeferred() -> Bool {
        guard let (pending, method, path, start) = deferred else { return true }
        deferred = nil
        let delivery = pending.awaitDelivery()
        // The sender wakes this thread when it has to act, before publishing the delivery; the
        // wake is spent here even when the thread came for another reason.
        if pending.writesDirectly, delivery.failed || delivery.closes || !delivery.unwritten.isEmpty { deferral.drainWake() }
        var open = !delivery.failed && !delivery.closes
        var end = delivery.sentAt
        if !delivery.failed, !delivery.unwritten.isEmpty {
            if case .done = writeAll(delivery.unwritten, until: Deadline(after: configuration.timeouts.write)) {} else { open = false }
            end = Deadline.nowNanoseconds()
        }
        if !delivery.logged {
            log(method: method, path: path, status: delivery.status, bytes: delivery.bodyBytes, start: start, end: end)
        }
        return open
    }

    /// Answers a request that never reaches the handler, then closes with a short linger so the
    /// client can read the answer even if it is still sending.
    private func refuse(_ error: HTTPRequestError, method: String, path: String, start: UInt64) {
        let response = HTTPResponse.text(error.status, error.message + "\n")
        let bytes = ResponseEncoder.encode(response, omitBody: false, close: true)
        let written = writeAll(bytes, until: Deadline(after: configuration.timeouts.write))
        log(method: method, path: path, status: error.status.code, bytes: response.body.count, start: start)
        guard case .done = written else { return }
        stream.closeGracefully()
        linger()
    }

    /// Half-closes and discards what the client still sends, for at most a second and 64 MiB,
    /// so closing with unread bytes does not reset the connection before the client reads. The
    /// second is what bounds a hostile sender; the byte cap is well above what an honest client
    /// sends in that second on a fast link (an oversized upload of a few megabytes, refused 413 on
    /// its head, must still let its client read the 413 rather than a reset).
    private func linger() {
        _ = shutdown(stream.fd, Int32(SHUT_WR))
        let deadline = Deadline(after: .seconds(1))
        var discarded = 0
        while discarded < 64 * 1024 * 1024 {
            let n = recv(stream.fd, scratch.baseAddress, scratch.count, 0)
            if n > 0 {
                discarded += n
                continue
            }
            if n == 0 { return }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return }
            guard case .done = Poll.wait(stream.fd, for: Int16(POLLIN), until: deadline) else { return }
        }
    }

    private func readMore(until deadline: Deadline) -> IOOutcome {
        let outcome = stream.read(into: scratch, deadline: deadline)
        switch outcome {
        case .done(let n): buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        case .failed(let detail): configuration.diagnostics?("Reading from \(remote) failed: \(detail)")
        default: break
        }
        return outcome
    }

    private func writeAll(_ bytes: [UInt8], until deadline: Deadline) -> IOOutcome {
        let outcome = bytes.withUnsafeBytes { stream.write($0, deadline: deadline) }
        switch outcome {
        case .failed(let detail): configuration.diagnostics?("Writing to \(remote) failed: \(detail)")
        case .timedOut: configuration.diagnostics?("Writing to \(remote) did not finish within \(configuration.timeouts.write)")
        default: break
        }
        return outcome
    }

    /// Writes the access log line of one request from any thread, given its status, body bytes
    /// and when its response was written.
    private static func accessLogger(_ accessLog: (@Sendable (AccessLogEntry) -> Void)?, method: String, path: String, start: UInt64,
                                     remote: String, isTLS: Bool) -> @Sendable (Int, Int, UInt64) -> Void {
        guard let accessLog else { return { _, _, _ in } }
        return { status, bytes, end in
            accessLog(AccessLogEntry(
                method: method, path: path, status: status, bytesSent: bytes,
                duration: .nanoseconds(Int64(clamping: end &- start)), remoteAddress: remote, tls: isTLS
            ))
        }
    }

    private func log(method: String, path: String, status: Int, bytes: Int, start: UInt64, end: UInt64? = nil) {
        guard let accessLog = configuration.accessLog else { return }
        let elapsed = (end ?? Deadline.nowNanoseconds()) &- start
        accessLog(AccessLogEntry(
            method: method, path: path, status: status, bytesSent: bytes,
            duration: .nanoseconds(Int64(clamping: elapsed)), remoteAddress: remote, tls: isTLS
        ))
    }

    private func timeoutMessage(_ what: String, _ limit: Duration) -> String {
        "The \(what) did not arrive within \(limit); send the whole request at once."
    }

    /// The method of a head that failed later checks, if its request line starts with a token.
    private static func requestLineMethod(_ bytes: [UInt8]) -> String {
        var i = 0
        while i < bytes.count, i < 32, ASCII.isToken(bytes[i]) { i += 1 }
        guard i > 0, i < bytes.count, bytes[i] == ASCII.space else { return "-" }
        return String(decoding: bytes[0..<i], as: UTF8.self)
    }
}
