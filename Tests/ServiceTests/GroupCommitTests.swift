import CanonicalJSON
import EventLog
import Foundation
import Inspection
import ODA
import Service
import SQLite
import XCTest
import TestSupport

/// Group commit: several requests in one transaction, each all or nothing and independent.
final class GroupCommitTests: TemporaryDirectoryTestCase {
    private func makeStore() throws -> EventStore {
        try EventStore.create(at: directory.appendingPathComponent("ledger.sqlite").path)
    }

    private func event(_ stream: String, _ type: String = "Noted", n: Int64 = 0, expected: Int64? = nil,
                       key: String? = nil) throws -> ProposedEvent {
        try ProposedEvent(stream: stream, type: type, payload: ["n": .integer(n)], expectedVersion: expected, idempotencyKey: key)
    }

    private let alice = try! Actor(id: "user:alice", role: "recorder")
    private let bob = try! Actor(id: "user:bob", role: "recorder")

    func testAConflictingMemberIsRefusedWithTheActualVersionWhileTheOthersCommit() throws {
        let store = try makeStore()
        let counter = SeqRecorder()
        try store.register(counter)
        _ = try store.append([try event("doc:seed", key: "seed-key")], actor: alice)

        let members = [
            GroupMember(events: [try event("doc:a", n: 1), try event("doc:a", n: 2)], actor: alice),
            // doc:a is at version 2 after the first member (uncommitted, but seen): expecting 0 conflicts.
            GroupMember(events: [try event("doc:b", n: 3), try event("doc:a", n: 4, expected: 0)], actor: bob),
            // Depends on the first member's still uncommitted events.
            GroupMember(events: [try event("doc:a", n: 5, expected: 2)], actor: bob),
            // Reuses the seed's idempotency key for other content.
            GroupMember(events: [try event("doc:c", n: 6, key: "seed-key")], actor: alice),
            GroupMember(events: [], actor: alice),
            // An idempotent retry of the seed, and a new stream.
            GroupMember(events: [try event("doc:seed", key: "seed-key"), try event("doc:d", n: 7)], actor: alice),
        ]
        let results = store.appendGroup(members)
        XCTAssertEqual(results.count, members.count)

        let first = try results[0].get()
        XCTAssertEqual(first.map(\.event.seq), [2, 3])
        guard case let .failure(.wrongExpectedVersion(index, stream, expected, actual)) = results[1] else {
            return XCTFail("expected a version conflict, got \(results[1])")
        }
        XCTAssertEqual(index, 1)
        XCTAssertEqual(stream, "doc:a")
        XCTAssertEqual(expected, 0)
        XCTAssertEqual(actual, 2)
        XCTAssertEqual(try results[2].get().map(\.event.seq), [4])
        XCTAssertEqual(try results[2].get().first?.event.envelope.streamVersion, 3)
        guard case .failure(.idempotencyConflict(0, "seed-key", 1)) = results[3] else { return XCTFail("\(results[3])") }
        guard case .failure(.emptyBatch) = results[4] else { return XCTFail("\(results[4])") }
        let last = try results[5].get()
        XCTAssertEqual(last.map(\.wasAlreadyRecorded), [true, false])
        XCTAssertEqual(last.map(\.event.seq), [1, 5])

        // Nothing of the refused members was written: doc:b and doc:c do not exist, seqs are gap-free.
        XCTAssertEqual(try store.head().seq, 5)
        XCTAssertEqual(try store.version(of: "doc:b"), 0)
        XCTAssertEqual(try store.version(of: "doc:c"), 0)
        XCTAssertEqual(try store.version(of: "doc:a"), 3)
        XCTAssertEqual(try store.events(EventQuery()).map(\.seq), [1, 2, 3, 4, 5])
        XCTAssertTrue(try ChainVerifier(store: store).verify().findings.isEmpty)
        // The projector saw each committed event exactly once, none of the refused ones.
        XCTAssertEqual(counter.applied, [1, 2, 3, 4, 5])
        XCTAssertEqual(try store.projectionPosition(counter.name), 5)

        // The writer's caches are right after the group: the next append continues the chain.
        let next = try store.append([try event("doc:a", n: 8, expected: 3), try event("doc:b", n: 9, expected: 0)], actor: alice)
        XCTAssertEqual(next.map(\.event.seq), [6, 7])
        XCTAssertEqual(next.map(\.event.envelope.streamVersion), [4, 1])
        XCTAssertTrue(try ChainVerifier(store: store).verify().findings.isEmpty)
    }

    func testAGroupWhoseMembersAllFailWritesNothingAndLeavesTheStoreUsable() throws {
        let store = try makeStore()
        _ = try store.append([try event("doc:a")], actor: alice)
        let results = store.appendGroup([
            GroupMember(events: [try event("doc:x"), try event("doc:a", expected: 7)], actor: alice),
            GroupMember(events: [try event("doc:a", expected: 0)], actor: bob),
        ])
        XCTAssertTrue(results.allSatisfy { if case .failure(.wrongExpectedVersion) = $0 { true } else { false } }, "\(results)")
        XCTAssertEqual(try store.head().seq, 1)
        XCTAssertEqual(try store.version(of: "doc:x"), 0)
        let next = try store.append([try event("doc:x", expected: 0)], actor: alice)
        XCTAssertEqual(next.first?.event.seq, 2)
        XCTAssertTrue(try ChainVerifier(store: store).verify().findings.isEmpty)
    }

    func testConcurrentCallersShareTransactionsAndEachGetsItsOwnEvents() throws {
        let store = try makeStore()
        let counter = SeqRecorder()
        try store.register(counter)
        let queue = AppendQueue(store: store)
        let clients = 48
        let seqs = SeqRecorder()
        let group = DispatchGroup()
        for client in 0 ..< clients {
            group.enter()
            let thread = Thread { [alice] in
                defer { group.leave() }
                for n in 0 ..< 3 {
                    let events = [try! ProposedEvent(stream: "doc:c\(client)", type: "Noted", payload: ["n": .integer(Int64(n))],
                                                     expectedVersion: Int64(n))]
                    switch queue.append(events, actor: alice) {
                    case let .success(outcomes):
                        XCTAssertEqual(outcomes.first?.event.envelope.stream, "doc:c\(client)")
                        XCTAssertEqual(outcomes.first?.event.envelope.streamVersion, Int64(n + 1))
                        seqs.record(outcomes.map(\.event.seq))
                    case let .failure(error):
                        XCTFail("client \(client): \(error)")
                    }
                }
            }
            thread.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(seqs.applied.sorted(), Array(1 ... Int64(clients * 3)))
        XCTAssertEqual(counter.applied, Array(1 ... Int64(clients * 3)))
        let statistics = queue.statistics
        XCTAssertEqual(statistics.requests, Int64(clients * 3))
        XCTAssertLessThan(statistics.groups, Int64(clients * 3), "concurrent appends should have shared transactions")
        XCTAssertGreaterThan(statistics.largestGroup, 1)
        XCTAssertTrue(try ChainVerifier(store: store).verify().findings.isEmpty)
    }

    /// Through the server, with the real projections: every client acknowledged, the project state
    /// and the flags the same as a rebuild from the events (so nothing was applied twice or missed).
    func testConcurrentRequestsThroughTheServerUpdateProjectionsOnce() throws {
        let h = try ServiceHarness()
        try h.store.register(ProjectStateProjector())
        try h.store.register(FlagProjector())
        let admin = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.organisation).status, 201)
        let clients = 16
        let statuses = StatusList()
        let group = DispatchGroup()
        for client in 0 ..< clients {
            group.enter()
            Thread {
                defer { group.leave() }
                let project = "P-G\(client)"
                let reply = h.request("POST", "/v1/events", token: admin, body: "[\(Sample.proposal(project)),\(Sample.location(project, ["LA-VT"]))]")
                statuses.add(reply.status)
                statuses.add(h.request("POST", "/v1/events", token: admin, body: Sample.commitment(project, "C-1")).status)
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(statuses.all.count, clients * 2)
        XCTAssertTrue(statuses.all.allSatisfy { $0 == 201 }, "\(statuses.all)")
        let head = try h.store.head().seq
        XCTAssertEqual(head, Int64(1 + clients * 3))
        XCTAssertEqual(try h.store.events(EventQuery()).map(\.seq), Array(1 ... head))
        XCTAssertEqual(try h.store.projectionPosition(ProjectStateProjector.name), head)
        XCTAssertEqual(try h.store.projectionPosition(FlagProjector().name), head)
        let live = try h.store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
        let rebuilt = try h.store.rebuild(ProjectStateProjector(), swap: false) { db, prefix in try ProjectionDigest(of: db, prefix: prefix) }
        XCTAssertEqual(live, rebuilt.result)
        for client in 0 ..< clients {
            XCTAssertEqual(try h.store.projectSnapshot("P-G\(client)")?.transactions.count, 1)
        }
        XCTAssertTrue(try ChainVerifier(store: h.store).verify().findings.isEmpty)
    }
}

/// A projector that records every seq it is given, and refuses one given twice.
final class SeqRecorder: Projector, @unchecked Sendable {
    let name = "seq-recorder"
    let tableNames = ["test_seen"]
    private let lock = NSLock()
    private var seqs: [Int64] = []

    var applied: [Int64] { lock.lock(); defer { lock.unlock() }; return seqs }
    func record(_ values: [Int64]) { lock.lock(); seqs += values; lock.unlock() }

    func createTables(in database: ProjectionDatabase, prefix: String) throws {
        try database.execute("CREATE TABLE IF NOT EXISTS \(prefix)test_seen (seq INTEGER PRIMARY KEY) STRICT")
    }

    func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        for event in events { try database.execute("INSERT INTO \(prefix)test_seen (seq) VALUES (?1)", [.integer(event.seq)]) }
        record(events.map(\.seq))
    }
}
