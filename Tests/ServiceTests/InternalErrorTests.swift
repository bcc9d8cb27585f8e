import Foundation
import Service
import SQLite
import XCTest

/// A failure inside the ledger is a 500 problem that names no file or SQL; the cause goes to the
/// server's error log.
final class InternalErrorTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    func testCorruptRowIsA500WithTheCauseOnlyInTheLog() throws {
        let log = Lines()
        let h = try ServiceHarness(errorLog: { log.add($0) })
        let admin = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.proposal("P-1")).status, 201)

        let raw = try Connection(path: h.directory.appendingPathComponent("ledger.sqlite").path, mode: .readWrite)
        try raw.execute("DROP TRIGGER events_are_append_only_update")
        try raw.prepare("UPDATE events SET body = ?1 WHERE seq = 1").execute([.blob(Array("not an envelope".utf8))])

        let reply = h.request("GET", "/v1/events", token: admin)
        XCTAssertEqual(reply.status, 500, reply.text)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        XCTAssertFalse(reply.text.contains(h.directory.path), reply.text)
        XCTAssertFalse(reply.text.contains("stored event"), reply.text)
        XCTAssertEqual(log.all.count, 1)
        XCTAssertTrue(log.all.first?.hasPrefix("GET /v1/events: ") ?? false, "\(log.all)")
        XCTAssertTrue(log.all.first?.contains("stored event at seq 1") ?? false, "\(log.all)")
        XCTAssertEqual(h.request("GET", "/v1/health").status, 200, "the server keeps serving")
    }
}
