import Foundation
import Synchronization
@testable import HTTP

/// Collects access-log entries from connection threads.
final class LogSink: Sendable {
    private let entries = Mutex<[AccessLogEntry]>([])
    func record(_ entry: AccessLogEntry) { entries.withLock { $0.append(entry) } }
    var all: [AccessLogEntry] { entries.withLock { Array($0) } }
}

/// Collects diagnostic lines from connection threads.
final class LineSink: Sendable {
    private let lines = Mutex<[String]>([])
    func record(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { Array($0) } }
}

/// A thread-safe flag tests wait on with a deadline.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }

    /// Polls until `condition` holds or `seconds` pass; returns whether it held.
    static func wait(seconds: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }
}

/// Shuts `server` down with a 5 s grace on another thread, so the test can go on reading what
/// the draining server still sends; the returned flag is set once the shutdown has returned.
func shutDownInBackground(_ server: HTTPServer) -> Flag {
    let done = Flag()
    Thread {
        server.shutdown(grace: .seconds(5))
        done.set()
    }.start()
    return done
}

func startServer(
    _ configure: (inout ServerConfiguration) -> Void = { _ in },
    handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse = { request in
        var response = HTTPResponse(status: .ok, body: request.body.isEmpty ? Array("hello".utf8) : request.body)
        response.headers.add(name: "X-Remote", value: request.remoteAddress)
        if let type = request.headers["Content-Type"] { response.headers.add(name: "Content-Type", value: type) }
        return response
    }
) throws -> HTTPServer {
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.timeouts = Timeouts(head: .seconds(3), body: .seconds(3), write: .seconds(3), idle: .seconds(5), tlsHandshake: .seconds(2))
    configure(&configuration)
    let server = try HTTPServer(configuration: configuration, handler: handler)
    server.start()
    return server
}
