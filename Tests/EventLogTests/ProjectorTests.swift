import EventLog
import SQLite
import XCTest

/// The generic projection hook: a projector counting events per stream sees each committed event
/// exactly once, in the transaction that commits it.
final class ProjectorTests: XCTestCase {
    struct StreamCounter: Projector {
        var name: String { "test.stream-counter" }
        var tableNames: [String] { ["stream_counts"] }
        func createTables(in database: ProjectionDatabase, prefix: String) throws {
            try database.executeScript("CREATE TABLE IF NOT EXISTS \(prefix)stream_counts (stream TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID")
        }
        func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
            for event in events {
                try database.execute("""
                    INSERT INTO \(prefix)stream_counts VALUES (?1, 1) ON CONFLICT (stream) DO UPDATE SET n = n + 1
                    """, [.text(event.envelope.stream)])
            }
        }
    }

    func counts(_ store: EventStore, prefix: String = "") throws -> [String: Int64] {
        try store.withProjectionSnapshot { db in
            var result: [String: Int64] = [:]
            try db.query("SELECT stream, n FROM \(prefix)stream_counts") { result[$0.text(at: 0)] = $0.int64(at: 1) }
            return result
        }
    }

    func testEveryCommittedEventIsCountedOnceAcrossRefusalsRetriesOtherWritersAndRebuilds() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        _ = try store.append([proposed("project:A"), proposed("project:B")], actor: recorder)
        try store.register(StreamCounter())
        XCTAssertEqual(try counts(store), ["project:A": 1, "project:B": 1], "caught up on registration")
        XCTAssertEqual(try store.projectionPosition("test.stream-counter"), 2)

        XCTAssertThrowsError(try store.append([proposed("project:A"), proposed("project:A", expectedVersion: 0)], actor: recorder))
        var keyed = proposed("project:A")
        keyed.idempotencyKey = "k-1"
        _ = try store.append([keyed], actor: recorder)
        _ = try store.append([keyed], actor: recorder)
        let other = try ledger.open()
        _ = try other.append([proposed("project:C")], actor: recorder)
        _ = try store.append([proposed("project:B")], actor: recorder)
        XCTAssertEqual(try counts(store), ["project:A": 2, "project:B": 2, "project:C": 1])
        XCTAssertEqual(try store.projectionPosition("test.stream-counter"), 5)

        let rebuilt = try store.rebuild(StreamCounter(), through: 3, swap: false) { db, prefix in
            try db.scalarInt64("SELECT sum(n) FROM \(prefix)stream_counts")
        }
        XCTAssertEqual(rebuilt.position, 3)
        XCTAssertEqual(rebuilt.result, 3)
        XCTAssertThrowsError(try store.rebuild(StreamCounter(), through: 3, swap: true) { _, _ in () }) { error in
            XCTAssertEqual(error as? ProjectionError, .partialRebuildCannotSwap(target: 3, head: 5))
        }
        let swapped = try store.rebuild(StreamCounter(), swap: true) { _, _ in () }
        XCTAssertEqual(swapped.position, 5)
        XCTAssertEqual(try counts(store), ["project:A": 2, "project:B": 2, "project:C": 1])
    }
}
