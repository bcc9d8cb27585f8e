import Dispatch
import Foundation
import XCTest
@testable import HTTP

/// Responses answered later from another thread (``PendingResponse``), as the group commit does:
/// on a plain socket the sender writes them itself and the connection's thread only waits for
/// the next request. They must arrive whole, in request order, with the server's framing, and
/// the sender must never block on a client that does not read.
final class DeferredResponseTests: XCTestCase {
    private let answerers = DispatchQueue(label: "deferred-answers", attributes: .concurrent)

    /// A server whose handler answers every request from another thread after `delay`, with
    /// `body(path)`; `sent` is called after each `send` returns, with how long it took.
    private func startDeferringServer(
        _ configure: (inout ServerConfiguration) -> Void = { _ in },
        delay: DispatchTimeInterval = .milliseconds(20),
        body: @escaping @Sendable (Substring) -> [UInt8] = { Array("answer \($0)".utf8) },
        sent: @escaping @Sendable (Duration) -> Void = { _ in }
    ) throws -> HTTPServer {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.timeouts = Timeouts(head: .seconds(3), body: .seconds(3), write: .seconds(5), idle: .seconds(5), tlsHandshake: .seconds(2))
        configure(&configuration)
        let queue = answerers
        let server = try HTTPServer(configuration: configuration, deferringHandler: { request, deferral in
            let pending = deferral.answerLater()
            let path = request.path
            queue.asyncAfter(deadline: .now() + delay) {
                let clock = ContinuousClock()
                let start = clock.now
                pending.send(HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: body(path)))
                sent(clock.now - start)
            }
            return nil
        })
        server.start()
        return server
    }

    func testPipelinedRequestsAreAnsweredInOrderOnOneConnection() throws {
        let log = LogSink()
        let server = try startDeferringServer({ $0.accessLog = { log.record($0) } })
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\n\r\n")
        for path in ["/a", "/b", "/c"] {
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body, "answer \(path)")
            XCTAssertTrue(response.head.contains("Content-Length: \(7 + path.count)\r\n"), response.head)
            XCTAssertFalse(response.head.contains("Connection: close"), response.head)
        }
        // The connection stays open for a request sent after the answers.
        usleep(50_000)
        try client.send("GET /d HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try client.readResponse().body, "answer /d")
        XCTAssertTrue(Flag.wait(seconds: 2) { log.all.count == 4 })
        XCTAssertEqual(log.all.map(\.path), ["/a", "/b", "/c", "/d"])
        XCTAssertTrue(log.all.allSatisfy { $0.status == 200 && $0.duration >= .milliseconds(15) }, "\(log.all)")
    }

    /// A request sent on its own while the previous answer is still being made (the connection's
    /// thread then skips its speculative read and waits in poll()): it is answered next, in order.
    func testARequestArrivingWhileTheLastAnswerIsPendingIsAnsweredNext() throws {
        let server = try startDeferringServer(delay: .milliseconds(150))
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        for round in 0 ..< 3 {
            try client.send("GET /first-\(round) HTTP/1.1\r\nHost: a\r\n\r\n")
            usleep(30_000)  // the first request is being answered; this one arrives separately
            try client.send("GET /second-\(round) HTTP/1.1\r\nHost: a\r\n\r\n")
            XCTAssertEqual(try client.readResponse().body, "answer /first-\(round)")
            XCTAssertEqual(try client.readResponse().body, "answer /second-\(round)")
        }
    }

    /// A response far larger than the socket buffer, to a client that does not read at first:
    /// `send` returns at once, and the connection's thread writes the rest once the client reads.
    /// The client starts reading only after more than the idle timeout: idle time counts from
    /// the end of the response, so the connection is still open for the next request.
    func testSenderDoesNotBlockOnAClientThatDoesNotRead() throws {
        // Above what loopback's socket buffers hold (about 10 MB at most), so `send` cannot finish.
        let size = 16 * 1024 * 1024
        let durations = DurationList()
        // The write deadline leaves the client (a debug build, on a possibly busy machine) ample
        // time to read 16 MB after its pause; only the idle timeout is what this test is about.
        let server = try startDeferringServer({ $0.timeouts.idle = .seconds(3); $0.timeouts.write = .seconds(30) },
                                              delay: .milliseconds(1), body: { path in
            path == "/big" ? [UInt8](repeating: 0x62, count: size) : Array("answer \(path)".utf8)
        },
                                              sent: { durations.add($0) })
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertTrue(Flag.wait(seconds: 5) { durations.all.count == 1 }, "send must return while the client reads nothing")
        XCTAssertLessThan(durations.all.first ?? .seconds(99), .seconds(2))
        usleep(3_500_000)
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body.utf8.count, size)
        XCTAssertTrue(response.body.utf8.allSatisfy { $0 == 0x62 })
        try client.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try client.readResponse().body, "answer /after")
    }

    func testARequestAskingToCloseIsClosedAfterItsAnswer() throws {
        let server = try startDeferringServer()
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let start = Date()
        let reply = client.readUntilClose()
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 200 OK\r\n"), reply)
        XCTAssertTrue(reply.contains("Connection: close\r\n"), reply)
        XCTAssertTrue(reply.hasSuffix("\r\n\r\nanswer /last"), reply)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2, "closed after the answer, not at the idle timeout")
        XCTAssertTrue(Flag.wait(seconds: 2) { server.activeConnections == 0 })
    }

    func testShutdownWaitsForAnAnswerInFlight() throws {
        let server = try startDeferringServer(delay: .milliseconds(500))
        let client = try RawClient(port: server.port)
        try client.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertTrue(Flag.wait(seconds: 2) { server.activeConnections == 1 })
        usleep(50_000)
        let done = shutDownInBackground(server)
        let response = try client.readResponse()
        XCTAssertEqual(response.body, "answer /slow")
        XCTAssertTrue(response.head.contains("Connection: close\r\n"), "no keep-alive while draining: \(response.head)")
        XCTAssertEqual(client.readUntilClose(), "")
        XCTAssertTrue(Flag.wait(seconds: 3) { done.isSet })
    }

    /// The client leaves before its answer: the send fails quietly, the connection ends, and the
    /// server goes on serving.
    func testAClientGoneBeforeItsAnswerLeavesTheServerServing() throws {
        let server = try startDeferringServer(delay: .milliseconds(200))
        defer { server.shutdown(grace: .seconds(1)) }
        do {
            let leaving = try RawClient(port: server.port)
            try leaving.send("GET /gone HTTP/1.1\r\nHost: a\r\n\r\n")
            XCTAssertTrue(Flag.wait(seconds: 2) { server.activeConnections == 1 })
        }
        XCTAssertTrue(Flag.wait(seconds: 3) { server.activeConnections == 0 })
        let client = try RawClient(port: server.port)
        try client.send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try client.readResponse().body, "answer /next")
    }

    /// A handler that returns a response directly still works beside deferred ones, and one that
    /// returns nil without deferring gets a 500 rather than no answer.
    func testDirectAnswersAndAMissingAnswer() throws {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.timeouts = Timeouts(head: .seconds(3), body: .seconds(3), write: .seconds(3), idle: .seconds(5), tlsHandshake: .seconds(2))
        let queue = answerers
        let server = try HTTPServer(configuration: configuration, deferringHandler: { request, deferral in
            switch request.path {
            case "/now": return .text(.ok, "now")
            case "/later":
                let pending = deferral.answerLater()
                queue.async { pending.send(.text(.created, "later")) }
                return nil
            default: return nil
            }
        })
        server.start()
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET /later HTTP/1.1\r\nHost: a\r\n\r\nGET /now HTTP/1.1\r\nHost: a\r\n\r\n")
        let later = try client.readResponse()
        XCTAssertEqual(later.status, 201)
        XCTAssertEqual(later.body, "later")
        XCTAssertEqual(try client.readResponse().body, "now")
        try client.send("GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 500)
    }
}

final class DurationList: @unchecked Sendable {
    private let lock = NSLock()
    private var durations: [Duration] = []
    func add(_ duration: Duration) { lock.lock(); durations.append(duration); lock.unlock() }
    var all: [Duration] { lock.lock(); defer { lock.unlock() }; return durations }
}
