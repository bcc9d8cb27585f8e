import CanonicalJSON
import EventLog
import Foundation
import ODA
import Service
import XCTest

/// Many clients appending at once through the real server: every acknowledged event is in the
/// chain exactly once, the chain verifies, and optimistic concurrency picks one winner.
final class ConcurrentAppendTests: XCTestCase {
    func testConcurrentClientsEachGetTheirEventsRecordedOnce() throws {
        let h = try ServiceHarness()
        let clients = 8, perClient = 6
        let tokens = try (0 ..< clients).map { try h.token("recorder-\($0)", .recorder) }
        let results = StatusList()
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            let project = "P-C\(client)"
            results.add(h.request("POST", "/v1/events", token: tokens[client], body: Sample.proposal(project)).status)
            for n in 1 ..< perClient {
                results.add(h.request("POST", "/v1/events", token: tokens[client], body: Sample.commitment(project, "C-\(n)")).status)
            }
        }
        XCTAssertEqual(results.all.count, clients * perClient)
        XCTAssertTrue(results.all.allSatisfy { $0 == 201 }, "\(results.all)")
        XCTAssertEqual(try h.store.head().seq, Int64(clients * perClient))
        for client in 0 ..< clients {
            XCTAssertEqual(try h.store.version(of: "project:P-C\(client)"), Int64(perClient))
            XCTAssertTrue(try h.store.events(EventQuery(stream: "project:P-C\(client)")).allSatisfy { $0.envelope.actor.id == "user:recorder-\(client)" })
        }
        XCTAssertTrue(try ChainVerifier(store: h.store).verify().findings.isEmpty)
    }

    /// The committing thread answers each client itself: a 201 may reach the client only once
    /// its event is committed, so another connection on the file (another process, say) already
    /// sees the acknowledged seq when the client reads the answer.
    func testNoClientIsAnsweredBeforeItsEventIsCommitted() throws {
        let h = try ServiceHarness()
        let observer = try HeadObserver(path: h.store.path)
        let clients = 16, perClient = 4
        let tokens = try (0 ..< clients).map { try h.token("recorder-\($0)", .recorder) }
        let results = StatusList()
        let early = StatusList()
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            for n in 0 ..< perClient {
                let reply = h.request("POST", "/v1/events", token: tokens[client], body: Sample.proposal("P-D\(client)-\(n)"))
                results.add(reply.status)
                guard case let .integer(seq)? = reply.json?.arrayValue?.first?.objectValue?["seq"] else { continue }
                if observer.head() < seq { early.add(Int(seq)) }
            }
        }
        XCTAssertEqual(results.all, Array(repeating: 201, count: clients * perClient))
        XCTAssertEqual(early.all, [], "acknowledged before commit")
        XCTAssertEqual(try h.store.head().seq, Int64(clients * perClient))
    }

    func testTwoWritersWithTheSameExpectedVersionGetOneWinner() throws {
        let h = try ServiceHarness()
        let admin = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.proposal("P-1")).status, 201)
        let results = StatusList()
        DispatchQueue.concurrentPerform(iterations: 6) { n in
            var body = Sample.commitment("P-1", "C-\(n)")
            body.removeLast()
            body += ",\"expectedVersion\":1}"
            results.add(h.request("POST", "/v1/events", token: admin, body: body).status)
        }
        XCTAssertEqual(results.all.filter { $0 == 201 }.count, 1, "\(results.all)")
        XCTAssertEqual(results.all.filter { $0 == 409 }.count, 5, "\(results.all)")
        XCTAssertEqual(try h.store.head().seq, 2)
    }
}

final class StatusList: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int] = []
    func add(_ status: Int) { lock.lock(); statuses.append(status); lock.unlock() }
    var all: [Int] { lock.lock(); defer { lock.unlock() }; return statuses }
}
