import EventLog
import SQLite
import Foundation

/// How the validator learns a project's recorded state without re-reading its history.
///
/// The projection tables (`proj_projects`, `proj_agreements`, `proj_budget_lines`,
/// `proj_transactions`), kept by `ProjectStateProjector` in the append transaction, already hold
/// every fact the invariants need: existence, status and proposer, agreements, budget periods, and
/// the transactions a reversal may name. Reading those rows costs O(lines + agreements of the
/// project + reversals in the batch), however long the project's history.
///
/// Everything is read in one snapshot together with the stream's version, which the validator
/// pins as `expectedVersion`; the append re-checks that version inside its write transaction, so
/// an event checked against this state is recorded only if nobody appended to the stream since.
/// If another process appended without the projector (the checkpoint lags the head), the
/// stream's events after the checkpoint are folded on top. Without usable projection tables
/// (never registered, or written by an older version) the caller falls back to the stream.
enum RecordedProjectState {
    /// The state of `stream`'s project, the stream's version and how many recorded events were
    /// folded on top of the tables, or nil when the projection
    /// tables cannot answer. `reversed` are the seqs that reversals in the batch name: only those
    /// transactions are looked up.
    static func read(stream: String, reversed: Set<Int64>, store: EventStore)
        throws -> (state: ProjectState, version: Int64, folded: Int)? {
        let projectID = String(stream.dropFirst("project:".count))
        let recorded = try store.withProjectionSnapshot { db -> (ProjectState, version: Int64, position: Int64, head: Int64)? in
            guard try tablesAreUsable(db) else { return nil }
            // The projection's checkpoint, the head and the stream's version in one statement:
            // this read runs before every append, and each statement costs a VM run of its own.
            var position: Int64?
            var head: Int64 = 0
            var version: Int64 = 0
            try db.query("""
                SELECT (SELECT position FROM projection_checkpoints WHERE name = ?1),
                       (SELECT coalesce(max(seq), 0) FROM events),
                       (SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = (SELECT id FROM streams WHERE name = ?2))
                """, [.text(ProjectStateProjector.name), .text(stream)]) { row in
                position = row.isNull(at: 0) ? nil : row.int64(at: 0)
                head = row.int64(at: 1)
                version = row.int64(at: 2)
            }
            guard let position else { return nil }
            return (try fromTables(projectID, reversed: reversed, in: db), version, position, head)
        }
        guard let snapshot = recorded else { return nil }
        var state = snapshot.0
        var version = snapshot.version
        var folded = 0
        if snapshot.position < snapshot.head {
            // Events recorded by a process without the projector: fold this stream's on top. Read
            // later than the tables, so this sees at least what the tables' snapshot saw; the
            // version pinned is that of the last event folded.
            try store.read(EventQuery(fromSeq: snapshot.position + 1, stream: stream)) { event in
                let e = event.envelope
                state.apply(type: e.type, payload: e.payload, actorID: e.actor.id, seq: e.seq)
                version = e.streamVersion
                folded += 1
                return true
            }
        }
        return (state, version, folded)
    }

    /// Whether the projection's tables exist in the current schema: answered from
    /// ``usableSchemas`` when this ledger's schema has not changed since it was last examined.
    static func tablesAreUsable(_ db: ProjectionDatabase) throws -> Bool {
        let key = try SchemaKey(db)
        if let key {
            usableSchemasLock.lock()
            let known = usableSchemas[key]
            usableSchemasLock.unlock()
            if let known { return known }
        }
        let usable = try tablesAreUsableUncached(db)
        if let key {
            usableSchemasLock.lock()
            if usableSchemas.count >= 64 { usableSchemas.removeAll() }
            usableSchemas[key] = usable
            usableSchemasLock.unlock()
        }
        return usable
    }

    /// The reference answer: the tables are looked up and their definitions examined.
    static func tablesAreUsableUncached(_ db: ProjectionDatabase) throws -> Bool {
        try db.scalarInt64(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('projection_checkpoints', 'proj_projects')") == 2
            && !ProjectionTables.predatesCurrentSchema(in: db, prefix: "")
    }

    /// Identifies one version of one ledger's schema: its random `ledgerId` (set at creation,
    /// never changed) and SQLite's `schema_version`, which every CREATE, DROP or ALTER on the
    /// file increments (whichever process or connection makes it). Same key, same tables, so the
    /// examination's answer can be reused; any schema change makes a new key.
    struct SchemaKey: Hashable {
        let ledgerID: String
        let schemaVersion: Int64

        /// Nil when the ledger has no `ledgerId` (the examination then runs every time).
        init?(_ db: ProjectionDatabase) throws {
            var ledgerID: String?
            var schemaVersion: Int64 = 0
            // Two statements, not one over the `pragma_schema_version` table: that table prepares
            // a new PRAGMA statement on every run: nearly half of this read under an HTTP append load.
            try db.query("SELECT value FROM ledger_meta WHERE key = 'ledgerId'") { row in ledgerID = row.optionalText(at: 0) }
            try db.query("PRAGMA schema_version") { row in schemaVersion = row.int64(at: 0) }
            guard let ledgerID else { return nil }
            self.ledgerID = ledgerID
            self.schemaVersion = schemaVersion
        }
    }

    /// Examined schemas and whether their projection tables are usable; a handful of entries
    /// (one per ledger and schema change), emptied if it ever reaches 64. Touched only under
    /// ``usableSchemasLock`` (an NSLock: uncontended it costs less than `Mutex`'s futex).
    nonisolated(unsafe) private static var usableSchemas: [SchemaKey: Bool] = [:]
    private static let usableSchemasLock = NSLock()

    /// Reads one project's rows into the validator's state.
    static func fromTables(_ projectID: String, reversed: Set<Int64>, in db: ProjectionDatabase) throws -> ProjectState {
        var state = ProjectState()
        let key: [SQLValue] = [.text(projectID)]
        try db.query("SELECT status, proposed_by FROM proj_projects WHERE project_id = ?1", key) { row in
            state.exists = true
            state.status = ProjectStatus(rawValue: row.text(at: 0)) ?? .proposed
            state.proposerActorID = row.optionalText(at: 1)
        }
        guard state.exists else { return state }
        try db.query("SELECT agreement_id, amount, currency FROM proj_agreements WHERE project_id = ?1", key) { row in
            if let amount = try? Amount(row.text(at: 1), currency: row.text(at: 2)) { state.agreements[row.text(at: 0)] = amount }
        }
        try db.query("""
            SELECT budget_line_id, period_start, period_end, current, currency, locked FROM proj_budget_lines
            WHERE project_id = ?1 ORDER BY budget_line_id, period_start
            """, key) { row in
            guard let start = CalendarDate(row.text(at: 1)), let end = CalendarDate(row.text(at: 2)),
                  let amount = try? Amount(row.text(at: 3), currency: row.text(at: 4)) else { return }
            state.budgetPeriods.append(BudgetPeriod(budgetLineId: row.text(at: 0), start: start, end: end, amount: amount,
                                                    isLocked: row.int64(at: 5) != 0))
        }
        for seq in reversed.sorted() {
            try db.query("SELECT kind, reversed_by FROM proj_transactions WHERE seq = ?1 AND project_id = ?2",
                         [.integer(seq), .text(projectID)]) { row in
                state.transactions[seq] = row.text(at: 0)
                if !row.isNull(at: 1) { state.reversedSeqs.insert(seq) }
            }
        }
        return state
    }

    /// Whether an event with idempotency key `key` is recorded on `stream`: one indexed lookup.
    static func isRecorded(key: String, on stream: String, store: EventStore) throws -> Bool {
        try store.withProjectionSnapshot { db in
            try db.scalarInt64("""
                SELECT count(*) FROM events WHERE idempotency_key = ?1 AND stream_id = (SELECT id FROM streams WHERE name = ?2)
                """, [.text(key), .text(stream)]) ?? 0
        } > 0
    }
}
