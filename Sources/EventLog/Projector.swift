import CanonicalJSON
import SQLite

/// A read model kept in the ledger file and updated inside the append transaction.
///
/// Why here: the events, the projection rows and the projection's checkpoint are committed
/// together, so a projection never misses or double-counts an event, whatever crashes or
/// retries happen. EventLog knows nothing of what a projector builds: it hands over the newly
/// recorded events and a narrow `ProjectionDatabase` limited to the current transaction.
///
/// Guarantees the store gives a registered projector:
/// - `apply` sees every event exactly once, in `seq` order, in the transaction that commits it
///   (events appended earlier by a process that had no projector registered are caught up first,
///   from the checkpoint stored in `projection_checkpoints`);
/// - if `apply` throws, the whole append is rolled back and fails.
public protocol Projector: Sendable {
    /// The key of this projector's row in `projection_checkpoints`.
    var name: String { get }
    /// The tables this projector owns, without a prefix; a rebuild writes `shadow_` + each name
    /// and renames them over these. Tables must be `WITHOUT ROWID` or have no named indexes, so a
    /// rename carries everything with it.
    var tableNames: [String] { get }
    /// Creates the tables named `prefix + name` if they do not exist.
    func createTables(in database: ProjectionDatabase, prefix: String) throws
    /// Applies recorded events (in `seq` order) to the tables named `prefix + name`.
    func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws
    /// A projector's own way of rebuilding from nothing into the (just created, empty) tables
    /// named `prefix + name`, or nil to be rebuilt through `apply` (the default). A rebuild hands
    /// it every stored event in `seq` order, then calls `finish()`, all in one transaction;
    /// the tables must end exactly as `apply` over the same events would leave them.
    func bulkRebuild(in database: ProjectionDatabase, prefix: String) throws -> (any BulkProjectionRebuild)?
}

extension Projector {
    public func bulkRebuild(in database: ProjectionDatabase, prefix: String) throws -> (any BulkProjectionRebuild)? { nil }
}

/// A full rebuild a projector runs itself (see `Projector.bulkRebuild`): it may read the stored
/// bytes without decoding whole envelopes and keep rows in memory until `finish()`.
public protocol BulkProjectionRebuild: AnyObject {
    /// One stored event, in `seq` order.
    func add(_ event: StoredEventBytes) throws
    /// Writes whatever is still held; called once, after the last event.
    func finish() throws
}

/// One stored event as a rebuild reads it: its seq and its stored canonical bytes (the truth).
public struct StoredEventBytes: Sendable {
    public let seq: Int64
    public let canonicalBytes: [UInt8]

    public init(seq: Int64, canonicalBytes: [UInt8]) {
        self.seq = seq
        self.canonicalBytes = canonicalBytes
    }

    /// The full envelope, decoded as every other read of the ledger decodes it (the bytes are
    /// not re-checked for canonical form); `StoreError.corruptEvent` when they are not an envelope.
    public func decoded() throws(StoreError) -> EventEnvelope {
        do {
            return try EventEnvelope(json: JSONValue.parse(canonicalBytes))
        } catch let error as EnvelopeError {
            throw .corruptEvent(seq: seq, reason: error.description)
        } catch {
            throw .corruptEvent(seq: seq, reason: "\(error)")
        }
    }
}

/// The statements a projector may run: on the writer's connection inside its open transaction
/// during appends and rebuilds, or on any connection the caller owns (an in-memory database for a
/// point-in-time read). Not Sendable and not meant to be kept.
public struct ProjectionDatabase {
    let connection: Connection

    /// Wraps a connection the caller owns, e.g. `Connection(path: ":memory:", ...)`.
    public init(connection: Connection) {
        self.connection = connection
    }

    /// Runs one statement with bound values, through the connection's statement cache.
    public func execute(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) {
        try connection.cached(sql).execute(values)
    }

    /// Runs a query and hands each row to `row`.
    public func query(_ sql: String, _ values: [SQLValue] = [], _ row: (Statement) throws -> Void) throws {
        let statement = try connection.cached(sql)
        try statement.bind(values)
        defer { statement.reset() }
        while try statement.step() { try row(statement) }
    }

    /// The first column of the first row, as an integer.
    public func scalarInt64(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> Int64? {
        try connection.scalarInt64(sql, values)
    }

    /// A statement prepared once per connection (kept in its cache), for a caller that binds
    /// values one by one and runs it many times, e.g. a rebuild's bulk inserts. Reset it after use.
    public func statement(_ sql: String) throws(SQLiteError) -> Statement {
        try connection.cached(sql)
    }

    /// Runs several statements without bound values (table definitions).
    public func executeScript(_ sql: String) throws(SQLiteError) {
        try connection.execute(sql)
    }
}

/// Where each projector has got to, in the ledger file. Created on first registration, so
/// ledgers without projectors keep their schema unchanged.
enum ProjectionCheckpoints {
    static let create = "CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID"

    static func position(of name: String, in connection: Connection) throws(SQLiteError) -> Int64 {
        try connection.scalarInt64("SELECT position FROM projection_checkpoints WHERE name = ?1", [.text(name)]) ?? 0
    }

    static func set(_ name: String, to position: Int64, in connection: Connection) throws(SQLiteError) {
        try connection.cached("""
            INSERT INTO projection_checkpoints (name, position) VALUES (?1, ?2)
            ON CONFLICT (name) DO UPDATE SET position = excluded.position
            """).execute([.text(name), .integer(position)])
    }
}

/// Why a projection operation was refused.
public enum ProjectionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A rebuild that stops before the head cannot replace the live tables, which must reflect every event.
    case partialRebuildCannotSwap(target: Int64, head: Int64)

    public var description: String {
        switch self {
        case let .partialRebuildCannotSwap(target, head):
            return "a rebuild to seq \(target) cannot replace the live projection, which must reflect the head (seq \(head)); "
                + "rebuild to the head, or rebuild without swapping to inspect the earlier state"
        }
    }
}
