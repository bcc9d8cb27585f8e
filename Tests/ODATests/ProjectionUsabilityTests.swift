import CanonicalJSON
import EventLog
import Foundation
import SQLite
import XCTest
@testable import ODA

/// The validator remembers, per ledger and schema version, whether the projection tables can be
/// trusted. The remembered answer must always equal a fresh examination, whichever connection or
/// process changes the schema, and whichever ledger is asked.
final class ProjectionUsabilityTests: XCTestCase {
    private func answers(_ store: EventStore) throws -> (remembered: Bool, fresh: Bool) {
        try store.withProjectionSnapshot { db in
            (try RecordedProjectState.tablesAreUsable(db), try RecordedProjectState.tablesAreUsableUncached(db))
        }
    }

    func testTheRememberedAnswerFollowsSchemaChangesByAnotherConnection() throws {
        let ledger = try TemporaryLedger(projected: true)
        _ = try ledger.store.appendValidated([try Repository.example("ProjectProposed")], actor: proposer)
        for _ in 0 ..< 3 {
            let answer = try answers(ledger.store)
            XCTAssertTrue(answer.remembered)
            XCTAssertEqual(answer.remembered, answer.fresh)
        }
        // Another connection (as another process would) leaves the tables of an earlier version.
        let connection = try Connection(path: ledger.path, mode: .readWrite)
        try connection.execute("ALTER TABLE proj_projects DROP COLUMN proposed_by")
        var answer = try answers(ledger.store)
        XCTAssertFalse(answer.fresh)
        XCTAssertEqual(answer.remembered, answer.fresh, "a schema change must not be answered from memory")
        var reads = ValidationReads()
        _ = try EventValidator().validate([try Repository.example("ProjectApproved")], actor: approver, store: ledger.store, reads: &reads)
        XCTAssertEqual(reads.projectsFromStream, 1, "the validator no longer trusts the tables")

        // Registering the projector again replaces the tables: usable again.
        try ledger.store.register(ProjectStateProjector())
        answer = try answers(ledger.store)
        XCTAssertTrue(answer.fresh)
        XCTAssertEqual(answer.remembered, answer.fresh)

        // Dropping a table altogether.
        try connection.execute("DROP TABLE proj_projects")
        answer = try answers(ledger.store)
        XCTAssertEqual(answer.remembered, answer.fresh)
        XCTAssertFalse(answer.remembered)
    }

    func testLedgersWithAndWithoutTheProjectionAreToldApart() throws {
        let projected = try TemporaryLedger(projected: true)
        let plain = try TemporaryLedger(projected: false)
        for _ in 0 ..< 2 {
            for store in [projected.store, plain.store] {
                let answer = try answers(store)
                XCTAssertEqual(answer.remembered, answer.fresh)
            }
        }
        XCTAssertTrue(try answers(projected.store).remembered)
        XCTAssertFalse(try answers(plain.store).remembered)
    }
}
