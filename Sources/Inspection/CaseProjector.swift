import EventLog
import SQLite

/// Keeps each flag's case status in `insp_cases`, inside the append transaction, so the queue
/// can be filtered by status. Case events are checked by `EventStore.recordCaseAction` before
/// they are appended; should one that breaks the workflow reach the ledger by another path, it
/// is skipped here rather than blocking every later append.
public struct CaseProjector: Projector {
    public let name = "inspection-cases"
    public let tableNames = [CaseTable.name]

    public init() {}

    public func createTables(in database: ProjectionDatabase, prefix: String) throws {
        try database.executeScript("""
            CREATE TABLE IF NOT EXISTS \(prefix)\(CaseTable.name) (
              flag_id TEXT PRIMARY KEY, status TEXT NOT NULL, assignee TEXT, actions INTEGER NOT NULL, last_seq INTEGER NOT NULL
            ) WITHOUT ROWID;
            """)
    }

    public func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        for event in events where event.envelope.stream.hasPrefix(CaseTable.streamPrefix) {
            let e = event.envelope
            let flagId = String(e.stream.dropFirst(CaseTable.streamPrefix.count))
            guard let action = CaseAction(type: e.type, payload: e.payload) else { continue }
            var state = try CaseTable.state(of: flagId, in: database, prefix: prefix) ?? CaseState()
            guard (try? state.apply(action)) != nil else { continue }
            try database.execute("INSERT OR REPLACE INTO \(prefix)\(CaseTable.name) VALUES (?1, ?2, ?3, ?4, ?5)",
                                 [.text(flagId), .text(state.status.rawValue), state.assignee.map { .text($0) } ?? .null,
                                  .integer(Int64(state.actions)), .integer(e.seq)])
        }
    }
}

/// The case table and the case streams.
public enum CaseTable {
    public static let name = "insp_cases"
    public static let streamPrefix = "case:"

    static func state(of flagId: String, in database: ProjectionDatabase, prefix: String = "") throws -> CaseState? {
        var state: CaseState?
        try database.query("SELECT status, assignee, actions FROM \(prefix)\(name) WHERE flag_id = ?1", [.text(flagId)]) { row in
            state = CaseState(status: CaseStatus(rawValue: row.text(at: 0)) ?? .open, assignee: row.optionalText(at: 1),
                              actions: Int(row.int64(at: 2)))
        }
        return state
    }

    /// Flag id → case status, for every flag an inspector has acted on.
    public static func statuses(in database: ProjectionDatabase) throws -> [String: CaseStatus] {
        var out: [String: CaseStatus] = [:]
        try database.query("SELECT flag_id, status FROM \(name)") { row in
            out[row.text(at: 0)] = CaseStatus(rawValue: row.text(at: 1)) ?? .open
        }
        return out
    }
}
