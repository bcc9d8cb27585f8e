import CanonicalJSON
import Dispatch
import EventLog
import Foundation
import SQLite
import XCTest
@testable import ODA

/// Where validation reads a project's recorded state: from the projection tables (however long
/// the history), with the stream's later events folded on when another process appended without
/// the projector, or from the whole stream when the ledger has no projection; and what happens
/// when several writers race to record events only one of which may pass.
final class ValidationSourceTests: XCTestCase {
    let project = "project:LA-MPI-2024-017"

    func example(_ type: String) throws -> ProposedEvent { try Repository.example(type) }

    func disbursement(_ i: Int) throws -> ProposedEvent {
        try example("DisbursementRecorded").editing {
            $0["transactionId"] = .string("D-\(i)")
            $0["amount"] = ["amount": .string("\(100 + i).25"), "currency": "USD"]
        }
    }

    /// The example project proposed, approved and active.
    func activeProject(projected: Bool) throws -> TemporaryLedger {
        let ledger = try TemporaryLedger(projected: projected)
        _ = try ledger.store.appendValidated([try example("ProjectProposed")], actor: proposer)
        _ = try ledger.store.appendValidated([try example("ProjectApproved")], actor: approver)
        _ = try ledger.store.appendValidated([try example("ProjectStatusChanged")], actor: proposer)
        return ledger
    }

    func reads(_ events: [ProposedEvent], by actor: Actor = proposer, in ledger: TemporaryLedger) throws -> ValidationReads {
        var reads = ValidationReads()
        _ = try EventValidator().validate(events, actor: actor, store: ledger.store, reads: &reads)
        return reads
    }

    // MARK: - Cost follows the batch

    func testALongHistoryIsNotReadAgainToValidateTheNextEvent() throws {
        let ledger = try activeProject(projected: true)
        _ = try ledger.store.appendValidated([try example("AnnualBudgetPlanned"), try example("FinancingAgreementSigned")],
                                             actor: proposer)
        for start in stride(from: 0, to: 3000, by: 500) {
            _ = try ledger.store.append((start..<(start + 500)).map(disbursement), actor: proposer)
        }
        let head = ledger.head
        XCTAssertGreaterThan(head, 3000)
        // Every invariant that needs state still holds, from the projection's rows alone.
        XCTAssertEqual(try reads([try disbursement(9999)], in: ledger),
                       ValidationReads(projectsFromProjection: 1, projectsFromStream: 0, eventsFolded: 0))
        assertRefused([try example("ProjectStatusChanged")], in: ledger, pointer: "/payload/from",
                      rule: "must be the project's current status active; it is approved")
        assertRefused([try example("AnnualBudgetPlanned")], in: ledger, pointer: "/payload/periodStart", rule: "overlaps")
        assertRefused([try example("FinancingAgreementSigned")], in: ledger, pointer: "/payload/agreementId", rule: "amend it instead")
        assertRefused([try example("FinancingAgreementAmended").editing { $0["previousAmount"] = ["amount": "1", "currency": "USD"] }],
                      in: ledger, pointer: "/payload/previousAmount", rule: "must be the current value 1000000 USD")
        // A reversal looks up the one transaction it names.
        let reversal = try example("TransactionReversed").editing { $0["reversedSeq"] = .integer(head - 7) }
        XCTAssertEqual(try reads([reversal], in: ledger).eventsFolded, 0)
        _ = try ledger.store.appendValidated([reversal], actor: proposer)
        assertRefused([reversal], in: ledger, pointer: "/payload/reversedSeq", rule: "seq \(head - 7) has already been reversed")
        assertRefused([try example("TransactionReversed").editing { $0["reversedSeq"] = 2 }], in: ledger,
                      pointer: "/payload/reversedSeq", rule: "2 is not one")
    }

    func testWithoutTheProjectionTheStreamIsReadAndTheSameRulesHold() throws {
        let ledger = try activeProject(projected: false)
        XCTAssertEqual(try reads([try disbursement(1)], in: ledger),
                       ValidationReads(projectsFromProjection: 0, projectsFromStream: 1, eventsFolded: 3))
        assertRefused([try example("ProjectStatusChanged")], in: ledger, pointer: "/payload/from", rule: "current status active")
        assertRefused([try example("ProjectApproved")], by: approver, in: ledger, pointer: "/type",
                      rule: "only a proposed project can be approved")
        var unknown = try disbursement(2)
        unknown.stream = "project:LA-NEVER"
        assertRefused([unknown], in: ledger, pointer: "/stream", rule: "project LA-NEVER does not exist")
    }

    func testEventsAppendedByAProcessWithoutTheProjectionAreFoldedOnTop() throws {
        let ledger = try activeProject(projected: true)
        // Another process, without the projector, suspends the project and plans a budget.
        let other = try EventStore(openingAt: ledger.path)
        _ = try other.appendValidated([try example("ProjectStatusChanged").editing { $0["from"] = "active"; $0["to"] = "suspended" },
                                       try example("AnnualBudgetPlanned")], actor: proposer)
        XCTAssertEqual(try ledger.store.projectionPosition(ProjectStateProjector.name), 3)
        let resume = try example("ProjectStatusChanged").editing { $0["from"] = "suspended"; $0["to"] = "active" }
        XCTAssertEqual(try reads([resume], in: ledger),
                       ValidationReads(projectsFromProjection: 1, projectsFromStream: 0, eventsFolded: 2))
        assertRefused([try example("ProjectStatusChanged").editing { $0["from"] = "active"; $0["to"] = "completed" }], in: ledger,
                      pointer: "/payload/from", rule: "current status suspended")
        assertRefused([try example("AnnualBudgetPlanned")], in: ledger, pointer: "/payload/periodStart", rule: "overlaps")
        // The version pinned is the stream's head, so the append goes through and catches the projection up.
        _ = try ledger.store.appendValidated([resume], actor: proposer)
        XCTAssertEqual(try ledger.store.projectionPosition(ProjectStateProjector.name), 6)
        XCTAssertEqual(try reads([try disbursement(1)], in: ledger).eventsFolded, 0)
    }

    func testTheSelfApprovalRuleReadsTheProposerFromTheProjection() throws {
        let ledger = try TemporaryLedger(projected: true)
        _ = try ledger.store.appendValidated([try example("ProjectProposed")], actor: proposer)
        XCTAssertEqual(try reads([try example("ProjectApproved")], by: approver, in: ledger).projectsFromProjection, 1)
        assertRefused([try example("ProjectApproved")], by: proposer, in: ledger, pointer: "/actor",
                      rule: "user:somsack proposed project LA-MPI-2024-017 and cannot also approve it")
        let outcome = try ledger.store.appendValidated([try example("ProjectApproved")], actor: proposer,
                                                       validator: EventValidator(policy: ValidationPolicy(allowsSelfApproval: true)))
        XCTAssertEqual(outcome[0].event.envelope.payload["selfApproved"], .bool(true))
    }

    func testAnIdempotentRetryIsRecognisedWithoutReadingTheStream() throws {
        let ledger = try activeProject(projected: true)
        var keyed = try disbursement(1)
        keyed.idempotencyKey = "disbursement-1"
        let first = try ledger.store.appendValidated([keyed], actor: proposer)
        XCTAssertEqual(try reads([keyed], in: ledger), ValidationReads(), "a recorded key is passed through unread")
        let retry = try ledger.store.appendValidated([keyed], actor: proposer)
        XCTAssertTrue(retry[0].wasAlreadyRecorded)
        XCTAssertEqual(retry[0].event.seq, first[0].event.seq)
        // The same key on another stream is not a retry of it.
        XCTAssertFalse(try RecordedProjectState.isRecorded(key: "disbursement-1", on: "project:LA-OTHER", store: ledger.store))
    }

    // MARK: - Races

    /// `writers` stores on one file (as separate processes would be) each try to record their
    /// event at once; returns what each got.
    func race(_ ledger: TemporaryLedger, writers: Int, _ event: @escaping @Sendable (Int) throws -> ProposedEvent) throws -> [Result<Int64, Error>] {
        let stores = try (0..<writers).map { _ -> EventStore in
            let store = try EventStore(openingAt: ledger.path)
            try store.register(ProjectStateProjector())
            return store
        }
        let results = Results(count: writers)
        DispatchQueue.concurrentPerform(iterations: writers) { i in
            results.set(i, Result { try stores[i].appendValidated([try event(i)], actor: proposer)[0].event.seq })
        }
        return results.values
    }

    func testOfRacingStatusChangesOnlyOneIsRecordedAndTheOthersAreRefusedByTheNewState() throws {
        let ledger = try activeProject(projected: true)
        let suspend = try example("ProjectStatusChanged").editing { $0["from"] = "active"; $0["to"] = "suspended" }
        let results = try race(ledger, writers: 4) { _ in suspend }
        XCTAssertEqual(results.filter { (try? $0.get()) != nil }.count, 1, "\(results)")
        for case let .failure(error) in results {
            guard let refusal = error as? ValidationError else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(refusal.pointer, "/payload/from")
            XCTAssertTrue(refusal.rule.contains("current status suspended"), refusal.rule)
        }
        XCTAssertEqual(ledger.head, 4)
        XCTAssertEqual(try ledger.store.projectSnapshot("LA-MPI-2024-017")?.status, .suspended)
    }

    func testOfRacingOverlappingBudgetPeriodsOnlyOneIsRecorded() throws {
        let ledger = try activeProject(projected: true)
        let results = try race(ledger, writers: 3) { i in
            try Repository.example("AnnualBudgetPlanned").editing { $0["description"] = .string("writer \(i)") }
        }
        XCTAssertEqual(results.filter { (try? $0.get()) != nil }.count, 1, "\(results)")
        XCTAssertEqual(try ledger.store.events(EventQuery(type: "AnnualBudgetPlanned")).count, 1)
    }

    func testRacingEventsThatAreAllValidAreAllRecorded() throws {
        let ledger = try activeProject(projected: true)
        let results = try race(ledger, writers: 4) { i in
            try Repository.example("DisbursementRecorded").editing { $0["transactionId"] = .string("RACE-\(i)") }
        }
        XCTAssertEqual(results.compactMap { try? $0.get() }.sorted(), [4, 5, 6, 7], "\(results)")
    }

    func testARequestThatPinnedItsOwnVersionIsNotRevalidated() throws {
        let ledger = try activeProject(projected: true)
        var pinned = try disbursement(1)
        pinned.expectedVersion = 2
        XCTAssertThrowsError(try ledger.store.appendValidated([pinned], actor: proposer)) { error in
            guard case .wrongExpectedVersion(0, _, 2, 3) = error as? AppendError else { return XCTFail("\(error)") }
        }
    }

    // MARK: - Projection schema

    func testTablesOfAnEarlierVersionAreReplacedAndReplayedOnRegistration() throws {
        let ledger = try activeProject(projected: true)
        let live = try ledger.store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
        // What an earlier version left: proj_projects without proposed_by.
        let connection = try Connection(path: ledger.path, mode: .readWrite)
        try connection.execute("ALTER TABLE proj_projects DROP COLUMN proposed_by")
        let reopened = try EventStore(openingAt: ledger.path)
        var reads = ValidationReads()
        _ = try EventValidator().validate([try disbursement(1)], actor: proposer, store: reopened, reads: &reads)
        XCTAssertEqual(reads.projectsFromStream, 1, "old tables are not trusted")
        try reopened.register(ProjectStateProjector())
        XCTAssertEqual(try reopened.withProjectionSnapshot { try ProjectionDigest(of: $0) }, live)
        XCTAssertEqual(try reopened.projectionPosition(ProjectStateProjector.name), 3)
    }

    /// A project's transactions and audit trail are read through its stream: those reads must
    /// search the stream index and the `seq` key, not scan every project's rows or sort.
    func testAProjectsRowsAreFoundByKeyNotByScanningTheTable() throws {
        let ledger = try activeProject(projected: true)
        let connection = try Connection(path: ledger.path, mode: .readOnly)
        for sql in [ProjectionReader.transactionsOfStream, ProjectionReader.eventsOfStream] {
            var plan: [String] = []
            let statement = try connection.prepare("EXPLAIN QUERY PLAN " + sql)
            while try statement.step() { plan.append(statement.text(at: 3)) }
            XCTAssertTrue(plan.contains { $0.hasPrefix("SEARCH e") || $0.hasPrefix("SEARCH events") }, "\(plan)")
            XCTAssertTrue(plan.contains { $0.contains("events_by_stream") }, "\(plan)")
            XCTAssertFalse(plan.contains { $0.hasPrefix("SCAN") }, "no table is scanned: \(plan)")
            XCTAssertFalse(plan.contains { $0.contains("TEMP B-TREE") }, "in seq order without a sort: \(plan)")
            if sql.contains("proj_transactions") {
                XCTAssertTrue(plan.contains { $0.hasPrefix("SEARCH t USING PRIMARY KEY (seq=?)") }, "\(plan)")
            }
        }
    }

    func testTablesKeyedBySeqAloneAreReplacedAndReplayedOnRegistration() throws {
        let ledger = try activeProject(projected: true)
        let live = try ledger.store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
        let connection = try Connection(path: ledger.path, mode: .readWrite)
        // The layout before tables were keyed by project: both per-event tables keyed by seq, not STRICT.
        try connection.execute("""
            CREATE TABLE old_transactions AS SELECT * FROM proj_transactions; DROP TABLE proj_transactions;
            CREATE TABLE proj_transactions (seq INTEGER, project_id TEXT, transaction_id TEXT, kind TEXT, date TEXT,
                fiscal_year INTEGER, amount TEXT, currency TEXT, counterparty TEXT, reversed_by INTEGER, PRIMARY KEY (seq)) WITHOUT ROWID;
            INSERT INTO proj_transactions SELECT * FROM old_transactions; DROP TABLE old_transactions;
            CREATE TABLE proj_history (seq INTEGER, project_id TEXT, type TEXT, actor TEXT, actor_role TEXT, recorded_at TEXT,
                occurred_at TEXT, decision_reference TEXT, summary TEXT, PRIMARY KEY (seq)) WITHOUT ROWID;
            """)
        let reopened = try EventStore(openingAt: ledger.path)
        var reads = ValidationReads()
        _ = try EventValidator().validate([try disbursement(1)], actor: proposer, store: reopened, reads: &reads)
        XCTAssertEqual(reads.projectsFromStream, 1, "old tables are not trusted")
        try reopened.register(ProjectStateProjector())
        XCTAssertEqual(try reopened.withProjectionSnapshot { try ProjectionDigest(of: $0) }, live)
    }
}

/// Results written from concurrent closures.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<Int64, Error>?]

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<Int64, Error>) { lock.withLock { storage[index] = value } }

    var values: [Result<Int64, Error>] { lock.withLock { storage.map { $0! } } }
}
