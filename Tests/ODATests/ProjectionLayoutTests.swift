import CanonicalJSON
import EventLog
import SQLite
import XCTest
@testable import ODA

/// The projection's table layout: `proj_transactions` keyed by `seq` (read by project through the
/// stream index), the audit trail derived from the events rather than stored, and ledgers written
/// with the previous layout rebuilt when the projector is registered.
final class ProjectionLayoutTests: XCTestCase {
    /// The tables as the previous version created them (keyed by project first, with a stored
    /// `proj_history`), spelled as that version's `ProjectionTables.createStatements` spelled them.
    static let previousLayout = """
        CREATE TABLE proj_agreements (project_id TEXT, agreement_id TEXT, partner TEXT, instrument TEXT, signed_date TEXT, amount TEXT, currency TEXT, amendments INTEGER, PRIMARY KEY (project_id, agreement_id)) WITHOUT ROWID;
        CREATE TABLE proj_allocations (project_id TEXT, kind TEXT, code TEXT, percentage TEXT, PRIMARY KEY (project_id, kind, code)) WITHOUT ROWID;
        CREATE TABLE proj_budget_lines (project_id TEXT, budget_line_id TEXT, period_start TEXT, period_end TEXT, description TEXT, currency TEXT, original TEXT, current TEXT, revisions INTEGER, locked INTEGER, last_decision_reference TEXT, PRIMARY KEY (project_id, budget_line_id, period_start)) WITHOUT ROWID;
        CREATE TABLE proj_exchange_rates (base TEXT, quote TEXT, effective_date TEXT, seq INTEGER, rate TEXT, source TEXT, PRIMARY KEY (base, quote, effective_date, seq)) WITHOUT ROWID;
        CREATE TABLE proj_history (seq INTEGER, project_id TEXT, type TEXT, actor TEXT, actor_role TEXT, recorded_at TEXT, occurred_at TEXT, decision_reference TEXT, summary TEXT, PRIMARY KEY (project_id, seq)) WITHOUT ROWID;
        CREATE TABLE proj_organisations (organisation_id TEXT, name TEXT, organisation_type TEXT, PRIMARY KEY (organisation_id)) WITHOUT ROWID;
        CREATE TABLE proj_projects (project_id TEXT, title TEXT, partner TEXT, implementing_agency TEXT, sector_working_group TEXT, status TEXT, planned_start TEXT, planned_end TEXT, start_date TEXT, end_date TEXT, estimated_cost TEXT, estimated_currency TEXT, proposed_by TEXT, approving_authority TEXT, approval_reference TEXT, approval_date TEXT, self_approved INTEGER, last_seq INTEGER, PRIMARY KEY (project_id)) WITHOUT ROWID;
        CREATE TABLE proj_transactions (seq INTEGER, project_id TEXT, transaction_id TEXT, kind TEXT, date TEXT, fiscal_year INTEGER, amount TEXT, currency TEXT, counterparty TEXT, reversed_by INTEGER, PRIMARY KEY (project_id, seq)) WITHOUT ROWID;
        """

    func digest(_ store: EventStore) throws -> ProjectionDigest {
        try store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
    }

    func tableSQL(_ name: String, in store: EventStore) throws -> String? {
        try store.withProjectionSnapshot { db in
            var sql: String?
            try db.query("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1", [.text(name)]) { sql = $0.text(at: 0) }
            return sql
        }
    }

    /// Rewrites the projection tables of the ledger at `path` into the previous layout with the
    /// same rows (and the audit trail stored in `proj_history`), then makes the stored
    /// transactions wrong, so a reader that trusted them would show different figures.
    func rewriteInPreviousLayout(_ path: String, trails: [String: [AuditEntry]]) throws {
        let connection = try Connection(path: path, mode: .readWrite)
        var script = "BEGIN;\n"
        for table in ProjectionTables.names { script += "ALTER TABLE \(table) RENAME TO current_\(table);\n" }
        script += Self.previousLayout + "\n"
        for table in ProjectionTables.names {
            script += "INSERT INTO \(table) SELECT * FROM current_\(table); DROP TABLE current_\(table);\n"
        }
        script += "UPDATE proj_transactions SET amount = '1', reversed_by = NULL;\nCOMMIT;"
        try connection.execute(script)
        let insert = try connection.prepare("INSERT INTO proj_history VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
        for (project, trail) in trails {
            for entry in trail {
                try insert.bind([.integer(entry.seq), .text(project), .text(entry.type), .text(entry.actor), entry.actorRole.sqlValue,
                                 .text(entry.recordedAt), entry.occurredAt.sqlValue, entry.decisionReference.sqlValue, .text(entry.summary)])
                _ = try insert.step()
                insert.reset()
            }
        }
    }

    func testALedgerWithThePreviousLayoutIsReadCorrectlyAndRebuiltWhenRegistered() throws {
        let ledger = try TemporaryLedger(projected: true)
        try SmallPortfolio.record(in: ledger.store)
        let projects = [SmallPortfolio.projectA, SmallPortfolio.projectB]
        let expected = try projects.map { try XCTUnwrap(try ledger.store.projectSnapshot($0)) }
        let expectedDigest = try digest(ledger.store)
        XCTAssertFalse(expected[0].transactions.isEmpty)
        XCTAssertTrue(expected[0].transactions.contains(where: \.isReversed), "the portfolio reverses a disbursement")
        try rewriteInPreviousLayout(ledger.path, trails: Dictionary(uniqueKeysWithValues: zip(projects, expected.map(\.history))))

        let reopened = try EventStore(openingAt: ledger.path)
        XCTAssertEqual(try reopened.projectionPosition(ProjectStateProjector.name), ledger.head, "the checkpoint is at the head")
        XCTAssertEqual(try reopened.withProjectionSnapshot { try ProjectionTables.predatesCurrentSchema(in: $0, prefix: "") }, true)
        // Before registration the old tables (with their wrong amounts) are not read: the stream is replayed.
        XCTAssertEqual(try projects.map { try reopened.projectSnapshot($0) }, expected)

        try reopened.register(ProjectStateProjector())
        XCTAssertNil(try tableSQL("proj_history", in: reopened), "the stored audit trail is dropped")
        XCTAssertTrue(try XCTUnwrap(try tableSQL("proj_transactions", in: reopened)).contains("PRIMARY KEY (seq)) STRICT"))
        XCTAssertEqual(try reopened.withProjectionSnapshot { try ProjectionTables.predatesCurrentSchema(in: $0, prefix: "") }, false)
        XCTAssertEqual(try projects.map { try reopened.projectSnapshot($0) }, expected, "read from the rebuilt live tables")
        XCTAssertEqual(try digest(reopened), expectedDigest)
        let rebuilt = try reopened.rebuild(ProjectStateProjector(), swap: false) { try ProjectionDigest(of: $0, prefix: $1) }
        XCTAssertEqual(rebuilt.result, expectedDigest)
        XCTAssertEqual(try expected[0].total(.disbursement), [try Amount("350000", currency: "USD")], "the hand-computed figure")
    }

    /// A `replay` (a swapping rebuild) of a ledger in the previous layout without registering the
    /// projector leaves the retired `proj_history` behind: the tables are still treated as old
    /// (reads replay the stream) until a registration drops it, and nothing reads it.
    func testASwapOverThePreviousLayoutLeavesNoStaleTableInUse() throws {
        let ledger = try TemporaryLedger(projected: true)
        try SmallPortfolio.record(in: ledger.store)
        let expected = try XCTUnwrap(try ledger.store.projectSnapshot(SmallPortfolio.projectA))
        let expectedDigest = try digest(ledger.store)
        try rewriteInPreviousLayout(ledger.path, trails: [SmallPortfolio.projectA: expected.history])
        let reopened = try EventStore(openingAt: ledger.path)
        let swapped = try reopened.rebuild(ProjectStateProjector(), swap: true) { try ProjectionDigest(of: $0, prefix: $1) }
        XCTAssertEqual(swapped.result, expectedDigest)
        XCTAssertEqual(try reopened.projectSnapshot(SmallPortfolio.projectA), expected)
        try reopened.register(ProjectStateProjector())
        XCTAssertNil(try tableSQL("proj_history", in: reopened))
        XCTAssertEqual(try reopened.projectSnapshot(SmallPortfolio.projectA), expected)
        XCTAssertEqual(try digest(reopened), expectedDigest)
    }

    /// Which layouts count as earlier ones: every layout an earlier version wrote, and the current
    /// one only without leftovers.
    func testEveryEarlierLayoutIsRecognisedAndTheCurrentOneIsNot() throws {
        func predates(_ script: String) throws -> Bool {
            let db = ProjectionDatabase(connection: try Connection(path: ":memory:", mode: .readWriteCreate))
            if !script.isEmpty { try db.executeScript(script) }
            return try ProjectionTables.predatesCurrentSchema(in: db, prefix: "")
        }
        let current = ProjectionTables.createStatements(prefix: "")
        XCTAssertFalse(try predates(""), "no tables yet")
        XCTAssertFalse(try predates(current))
        XCTAssertTrue(try predates(Self.previousLayout))
        let seqKeyed = Self.previousLayout.replacingOccurrences(of: "PRIMARY KEY (project_id, seq)", with: "PRIMARY KEY (seq)")
        XCTAssertTrue(try predates(seqKeyed), "keyed by seq, before the project-first layout")
        XCTAssertTrue(try predates(seqKeyed.split(separator: "\n").filter { !$0.contains("proj_history") }.joined(separator: "\n")),
                      "the same without proj_history is still not STRICT")
        XCTAssertTrue(try predates(current + "\nCREATE TABLE proj_history (seq INTEGER PRIMARY KEY);"), "a leftover audit trail")
        XCTAssertTrue(try predates(current.replacingOccurrences(of: "proposed_by TEXT, ", with: "")))
        XCTAssertFalse(try predates(ProjectionTables.createStatements(prefix: "shadow_")), "another prefix's tables")
        let db = ProjectionDatabase(connection: try Connection(path: ":memory:", mode: .readWriteCreate))
        try db.executeScript(ProjectionTables.createStatements(prefix: "shadow_") + Self.previousLayout)
        XCTAssertFalse(try ProjectionTables.predatesCurrentSchema(in: db, prefix: "shadow_"))
        XCTAssertTrue(try ProjectionTables.predatesCurrentSchema(in: db, prefix: ""))
    }

    /// The audit line read from the stored bytes (members picked from the parsed JSON) against the
    /// line of the fully decoded envelope, for every event of a ledger of every type, unusual
    /// payloads and actors without a role; bytes the quick read cannot take go to the full decode.
    func testTheAuditLineFromStoredBytesEqualsTheLineOfTheDecodedEnvelope() throws {
        let ledger = try TemporaryLedger()
        for (actor, batch) in try ProjectionRebuildTests.history(count: 300) { _ = try ledger.store.append(batch, actor: actor) }
        _ = try ledger.store.append([try Repository.example("ExchangeRateRecorded").onStream("project:LA-A-1")], actor: proposer)
        var lines = 0, skipped = 0, scanned = 0
        var scan = StoredEventScan()
        try ledger.store.read { event in
            let stored = StoredEventBytes(seq: event.seq, canonicalBytes: event.canonicalBytes)
            let quick = try AuditEntry.derived(from: stored)
            XCTAssertEqual(quick, AuditEntry(event.envelope), "seq \(event.seq)")
            // The byte scan's line (transactions) equals the same line.
            XCTAssertEqual(try AuditEntry.derived(from: stored, scan: &scan), quick, "seq \(event.seq)")
            var fresh = StoredEventScan()
            if fresh.projectedEvent(stored) != nil { scanned += 1 }
            if quick == nil { skipped += 1 } else { lines += 1 }
            return true
        }
        XCTAssertGreaterThan(lines, 250)
        XCTAssertGreaterThan(scanned, 100, "the transactions' lines come from the byte scan")
        XCTAssertGreaterThan(skipped, 1, "exchange rates and organisations have no line")

        var sixth: RecordedEvent?
        try ledger.store.read(EventQuery(fromSeq: 6)) { sixth = $0; return false }
        let good = try XCTUnwrap(sixth)
        let text = String(decoding: good.canonicalBytes, as: UTF8.self)
        let recordedAt = good.envelope.recordedAt.rfc3339
        let unusual = text.replacingOccurrences(of: recordedAt, with: String(recordedAt.dropLast(8)) + "Z")
        XCTAssertNotEqual(unusual, text)
        XCTAssertThrowsError(try AuditEntry.derived(from: StoredEventBytes(seq: 6, canonicalBytes: Array(unusual.utf8))),
                             "a recording time that is not canonical goes to the full decode, which refuses it")
        XCTAssertThrowsError(try AuditEntry.derived(from: StoredEventBytes(seq: 6, canonicalBytes: Array(unusual.utf8)), scan: &scan),
                             "the byte scan declines it too")
    }

    /// The live read (transactions found through the stream index, the audit trail derived from
    /// the stored bytes) against the two slower ways: the same tables scanned by `project_id`,
    /// and the point-in-time replay of the stream into memory.
    func testTheLiveReadThroughTheStreamEqualsAScanAndAReplayForEveryProject() throws {
        let ledger = try TemporaryLedger(projected: true)
        for (actor, batch) in try ProjectionRebuildTests.history(count: 500) { _ = try ledger.store.append(batch, actor: actor) }
        // Events the projector files under no project, though they sit on a project's stream.
        let project = ProjectionRebuildTests.projects[0]
        let strays = try ["ExchangeRateRecorded", "OrganisationRegistered"].map { try Repository.example($0).onStream("project:" + project) }
        let straySeqs = try ledger.store.append(strays, actor: proposer).map(\.event.seq)
        _ = try ledger.store.append([try Repository.example("TransactionReversed").editing { $0["reversedSeq"] = 9 }
            .onStream("project:" + project)], actor: approver)
        let head = ledger.head

        var allEvents: [EventEnvelope] = []
        try ledger.store.read { allEvents.append($0.envelope); return true }
        for id in ProjectionRebuildTests.projects {
            let live = try XCTUnwrap(try ledger.store.projectSnapshot(id))
            XCTAssertEqual(try ledger.store.projectSnapshot(id, asOf: .seq(head)), live, id)
            let scanned = try ledger.store.withProjectionSnapshot { db -> [ProjectTransaction] in
                var rows: [ProjectTransaction] = []
                try db.query("""
                    SELECT seq, transaction_id, kind, date, fiscal_year, amount, currency, counterparty, reversed_by
                    FROM proj_transactions WHERE project_id = ?1 ORDER BY seq
                    """, [.text(id)]) { s in
                    rows.append(ProjectTransaction(
                        seq: s.int64(at: 0), transactionId: s.optionalText(at: 1), kind: try XCTUnwrap(TransactionKind(rawValue: s.text(at: 2))),
                        date: s.optionalText(at: 3), fiscalYear: s.optionalInt64(at: 4), amount: try Amount(s.text(at: 5), currency: s.text(at: 6)),
                        counterparty: s.optionalText(at: 7), reversedBy: s.optionalInt64(at: 8)))
                }
                return rows
            }
            XCTAssertEqual(live.transactions, scanned, id)
            XCTAssertGreaterThan(live.transactions.count, 10, id)
            let streamSeqs = allEvents.filter { $0.stream == "project:" + id }.map(\.seq).filter { !straySeqs.contains($0) }
            XCTAssertEqual(live.history.map(\.seq), streamSeqs, "one audit line per event of the stream, in seq order: \(id)")
            XCTAssertTrue(live.history.allSatisfy { !$0.recordedAt.isEmpty && !$0.summary.isEmpty })
        }
        let first = try XCTUnwrap(try ledger.store.projectSnapshot(project))
        XCTAssertEqual(first.history.last?.summary, "reversed seq 9: Disbursement recorded twice from the same bank advice")
    }
}
