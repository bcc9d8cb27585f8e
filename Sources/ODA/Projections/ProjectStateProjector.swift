import CanonicalJSON
import EventLog
import SQLite

/// Keeps the ODA read model (`ProjectionTables`) in step with the ledger: projects, their
/// allocations, budget lines, agreements, transactions (with reversals applied), exchange rates
/// and organisations. Each project's audit trail is derived from its stream when read
/// (`AuditEntry`), not stored.
///
/// The same code serves the live tables (inside the append transaction), a rebuild (into shadow
/// tables) and point-in-time reads (into an in-memory database), so all three agree by
/// construction. A member that does not parse (an event recorded without validation) leaves the
/// row it would have changed as it was: the projection is a function of the log and never refuses
/// what the log holds. Each batch is written by a `ProjectionBatch` (statements prepared once,
/// the transaction rows in multi-row inserts at the right edge of their `seq`-keyed table); a full
/// rebuild runs the same `ProjectionBatch` over the stored bytes (`ProjectionRebuild`). The validator reads the same tables to check invariants
/// (`RecordedProjectState`).
public struct ProjectStateProjector: Projector {
    public static let name = "oda.project-state"
    public var name: String { Self.name }
    public var tableNames: [String] { ProjectionTables.names }

    public init() {}

    public func createTables(in database: ProjectionDatabase, prefix: String) throws {
        if try ProjectionTables.predatesCurrentSchema(in: database, prefix: prefix) {
            // Tables written by an earlier version of this projector have another layout: drop them
            // and move the checkpoint back to 0, so registration replays the whole log into new ones.
            for table in tableNames + ProjectionTables.retired {
                try database.executeScript("DROP TABLE IF EXISTS \(prefix)\(table)")
            }
            if prefix.isEmpty, try database.scalarInt64(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'projection_checkpoints'") == 1 {
                try database.execute("UPDATE projection_checkpoints SET position = 0 WHERE name = ?1", [.text(name)])
            }
        }
        try database.executeScript(ProjectionTables.createStatements(prefix: prefix))
    }

    /// Applies an append's events, read from the envelopes the append has just decoded. (Reading
    /// transaction events from their canonical bytes with `StoredEventScan`, as a rebuild does,
    /// was measured: on this path the envelope is already decoded, and the scan took about 14,000
    /// instructions per event where one pass over the payload's members takes a few thousand.)
    public func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        let sql = ProjectionStatements.forPrefix(prefix)
        var batch = ProjectionBatch(database: database, sql: sql,
                                    rows: BufferedProjectionRows(database: database, sql: sql))
        // `recordedAt` is shared by every event of an append: formatted once per run of equal values.
        var lastRecordedAt: Timestamp?
        var recordedAtText = ""
        for event in events {
            let e = event.envelope
            if lastRecordedAt != e.recordedAt {
                lastRecordedAt = e.recordedAt
                recordedAtText = e.recordedAt.rfc3339
            }
            try batch.apply(ProjectedEvent(e, recordedAt: recordedAtText))
        }
        try batch.rows.flush()
    }

    /// A full rebuild reads the stored bytes without decoding whole envelopes, the scan on a
    /// second thread (`ProjectionRebuild`).
    public func bulkRebuild(in database: ProjectionDatabase, prefix: String) throws -> (any BulkProjectionRebuild)? {
        ProjectionRebuild(database: database, prefix: prefix)
    }
}

/// What a transaction row counts towards.
public enum TransactionKind: String, Sendable, CaseIterable {
    case commitment, disbursement, expenditure
    case counterpartPlanned = "counterpart_planned"
    case counterpartActual = "counterpart_actual"

    init?(eventType: String, payload: JSONObject) {
        guard let type = TransactionEventType(eventType) else { return nil }
        self.init(eventType: type, counterpartKind: payload["kind"]?.stringValue)
    }
}
