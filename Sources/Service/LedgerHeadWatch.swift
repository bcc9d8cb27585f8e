import Foundation
import SQLite
import Synchronization

/// The ledger's head seq for health and for keying cached responses, re-read only when the
/// ledger file has changed.
///
/// Why: every cached read and every health probe needs the head, and reading it costs a read
/// transaction with two statements parsed afresh (`BEGIN`, `COMMIT`) around the query. SQLite's
/// `PRAGMA data_version` on a connection changes whenever any *other* connection (this server's
/// writer, or another process such as `oda-ledger append`) has committed to the file since that
/// connection last asked. One prepared statement, run in autocommit, tells whether the head read
/// last time on this connection is still the head.
///
/// What is guaranteed: ``headSeq()`` returns the head of a snapshot taken during the call, as
/// `EventStore.head()` would. A watcher connection reads the version and the head in one read
/// transaction; a later call on that connection that sees the same version knows no commit
/// happened since that transaction, so the head it read is still current. Each connection keeps
/// its own version and head (data_version is per connection). The connections are read-only and
/// never hold a transaction between calls, so they never delay the writer or a checkpoint.
/// On any SQLite failure the call returns nil and the caller reads the head from the store.
final class LedgerHeadWatch: @unchecked Sendable {
    /// One read-only connection with what it last saw. Used only under `lock`.
    private final class Watcher {
        let lock = NSLock()
        var connection: Connection?
        /// The data_version that `head` was read at; nil until the first read.
        var version: Int64?
        var head: Int64 = 0
    }

    let path: String
    private let watchers: [Watcher]
    private let next = Atomic<Int>(0)
    private let rereads = Atomic<Int64>(0)

    /// `connections` watchers are opened lazily, on first use; more of them means fewer threads
    /// waiting for one, at the price of a file descriptor and a little memory each.
    init(path: String, connections: Int = 4) {
        self.path = path
        watchers = (0 ..< max(1, connections)).map { _ in Watcher() }
    }

    /// The seq of the last recorded event (0 for an empty ledger), or nil if it could not be read.
    func headSeq() -> Int64? {
        let watcher = watchers[next.wrappingAdd(1, ordering: .relaxed).oldValue % watchers.count]
        watcher.lock.lock()
        defer { watcher.lock.unlock() }
        do {
            let connection: Connection
            if let open = watcher.connection {
                connection = open
            } else {
                connection = try Connection(path: path, mode: .readOnly)
                connection.setBusyTimeout(milliseconds: 5_000)
                watcher.connection = connection
            }
            if let known = watcher.version, try Self.dataVersion(connection) == known {
                return watcher.head
            }
            // The version and the head from one snapshot: a commit after it changes the version.
            try Self.run(connection, "BEGIN DEFERRED")
            do {
                let version = try Self.dataVersion(connection)
                let head = try connection.cached("SELECT coalesce(max(seq), 0) FROM events")
                defer { head.reset() }
                let seq = try head.step() ? head.int64(at: 0) : 0
                head.reset()
                try Self.run(connection, "COMMIT")
                watcher.version = version
                watcher.head = seq
                rereads.add(1, ordering: .relaxed)
                return seq
            } catch {
                try? Self.run(connection, "ROLLBACK")
                throw error
            }
        } catch {
            watcher.version = nil
            return nil
        }
    }

    /// How often a watcher had to read the head because the file had changed (tests check that
    /// unchanged files are answered from memory).
    var headReads: Int64 { rereads.load(ordering: .relaxed) }

    private static func dataVersion(_ connection: Connection) throws(SQLiteError) -> Int64 {
        let statement = try connection.cached("PRAGMA data_version")
        defer { statement.reset() }
        guard try statement.step() else { throw SQLiteError(code: 1, message: "PRAGMA data_version returned no row") }
        return statement.int64(at: 0)
    }

    private static func run(_ connection: Connection, _ sql: String) throws(SQLiteError) {
        let statement = try connection.cached(sql)
        defer { statement.reset() }
        _ = try statement.step()
    }
}
