import Crypto
import Foundation
import SQLite
import Synchronization

/// The ledger file: an append-only, hash-chained log of events in SQLite.
///
/// One writer connection (behind a lock) appends; reader connections serve reads from WAL
/// snapshots without blocking it. Several processes may open the same file: every append reads
/// `seq` and `prev` inside its own write transaction, so two writers never produce a gap, a
/// duplicate or a broken link.
public final class EventStore: Sendable {
    public struct Options: Sendable {
        public enum Durability: String, Sendable {
            /// `synchronous=FULL`: an acknowledged append survives kill -9 and power loss. The default.
            case full
            /// `synchronous=NORMAL`: survives a crash of the process, but the last commits may be lost on power loss.
            case normal
        }

        public var durability: Durability = .full
        /// How long an append waits for another process's write lock before failing.
        public var busyTimeoutMilliseconds: Int32 = 10_000
        /// A size limit in database pages (4 KiB each); appends beyond it fail as a full disk would.
        public var maximumPageCount: Int64?
        public var readerCount = 2
        /// Where `recordedAt` comes from. The system clock in every real deployment; a simulated
        /// clock only for building synthetic ledgers (the demo, benchmarks, tests) whose events
        /// must carry the times a scenario prescribes. `recordedAt` stays non-decreasing whatever
        /// the clock says: an earlier reading is raised to the head's time.
        public var clock: @Sendable () -> Timestamp = { Timestamp.now() }

        public init() {}
    }

    public enum Access: Sendable {
        case readWrite
        /// Never writes; appends are refused.
        case readOnly
    }

    public let path: String
    public let access: Access
    let writer: Guarded<Writer>?
    private let readers: [Guarded<Connection>]
    private let nextReader = Atomic<Int>(0)

    /// Creates a new, empty ledger file; refuses when the file already exists.
    public static func create(at path: String, options: Options = Options()) throws(StoreError) -> EventStore {
        guard !FileManager.default.fileExists(atPath: path) else { throw .alreadyExists(path: path) }
        do {
            let connection = try Connection(path: path, mode: .readWriteCreate)
            try configure(connection, options: options, writable: true)
            try connection.transaction(.immediate) { () throws(any Error) in
                try connection.execute(LedgerSchema.statements)
                let insert = try connection.prepare("INSERT INTO ledger_meta (key, value) VALUES (?1, ?2)")
                try insert.execute([.text("format"), .text(LedgerSchema.format)])
                try insert.execute([.text("createdAt"), .text(Timestamp.now().rfc3339)])
                try insert.execute([.text("ledgerId"), .text(Hex.encode(try SecureRandom.bytes(16)))])
                try connection.setUserVersion(LedgerSchema.version)
            }
        } catch let error as SQLiteError {
            throw StoreError(error, path: path)
        } catch let error as TransactionError<any Error> {
            switch error {
            case let .body(e as SQLiteError), let .database(e): throw StoreError(e, path: path)
            case let .body(e): throw .database(SQLiteError(code: 1, message: "\(e)"))
            }
        } catch {
            throw .database(SQLiteError(code: 1, message: "\(error)"))
        }
        return try EventStore(path: path, access: .readWrite, options: options)
    }

    /// Opens an existing ledger file.
    public convenience init(openingAt path: String, access: Access = .readWrite, options: Options = Options()) throws(StoreError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .notFound(path: path) }
        try self.init(path: path, access: access, options: options)
    }

    private init(path: String, access: Access, options: Options) throws(StoreError) {
        self.path = path
        self.access = access
        do {
            if access == .readWrite {
                let connection = try Connection(path: path, mode: .readWrite)
                try Self.configure(connection, options: options, writable: true)
                try Self.checkSchema(connection, path: path)
                writer = Guarded(try Writer(connection: connection, path: path, clock: options.clock))
            } else {
                writer = nil
            }
            var readers: [Guarded<Connection>] = []
            for _ in 0..<max(1, options.readerCount) {
                let connection = try Connection(path: path, mode: .readOnly)
                try Self.configure(connection, options: options, writable: false)
                if readers.isEmpty, access == .readOnly { try Self.checkSchema(connection, path: path) }
                readers.append(Guarded(connection))
            }
            self.readers = readers
        } catch {
            throw StoreError.wrapping(error, path: path)
        }
    }

    private static func configure(_ connection: Connection, options: Options, writable: Bool) throws(SQLiteError) {
        connection.setBusyTimeout(milliseconds: options.busyTimeoutMilliseconds)
        if writable {
            // WAL lets readers work beside the writer; FULL syncs the WAL on every commit.
            _ = try connection.scalarText("PRAGMA journal_mode = WAL")
            try connection.execute("PRAGMA synchronous = \(options.durability == .full ? "FULL" : "NORMAL")")
            if let pages = options.maximumPageCount {
                _ = try connection.scalarInt64("PRAGMA max_page_count = \(pages)")
            }
        }
        try connection.execute("PRAGMA cache_size = -16000")
    }

    private static func checkSchema(_ connection: Connection, path: String) throws(StoreError) {
        let version: Int64
        let format: String?
        do {
            version = try connection.userVersion()
            format = version == 0 ? nil : try connection.scalarText("SELECT value FROM ledger_meta WHERE key = 'format'")
        } catch {
            throw StoreError(error, path: path)
        }
        guard version != 0 else { throw .notALedger(path: path, reason: "it has no ledger schema") }
        guard version == LedgerSchema.version else {
            throw .unsupportedSchema(path: path, found: version, supported: LedgerSchema.version)
        }
        guard format == LedgerSchema.format else {
            throw .notALedger(path: path, reason: "its format is \(format ?? "missing"), expected \(LedgerSchema.format)")
        }
    }

    /// Runs `body` with a reader connection inside one read transaction, so everything it reads
    /// comes from a single consistent snapshot even while appends go on. SQLite errors surface as
    /// `StoreError`; errors thrown by `body` itself pass through unchanged.
    func withSnapshot<R>(_ body: (Connection) throws -> R) throws -> R {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count
        return try readers[index].withLock { connection in
            do {
                // Prepared once per reader: parsing BEGIN and COMMIT anew was a visible share of
                // short snapshots such as the validation read before every HTTP append.
                try connection.cached("BEGIN DEFERRED").execute()
                defer { try? connection.cached("COMMIT").execute() }
                return try body(connection)
            } catch let error as SQLiteError {
                throw StoreError(error, path: path)
            }
        }
    }

    /// `withSnapshot` for reads whose only failures are the store's own.
    func storeSnapshot<R>(_ body: (Connection) throws -> R) throws(StoreError) -> R {
        do {
            return try withSnapshot(body)
        } catch {
            throw StoreError.wrapping(error, path: path)
        }
    }

    /// The last recorded event's position and hash (seq 0 and 32 zero bytes when empty).
    public func head() throws(StoreError) -> LedgerHead {
        try storeSnapshot { connection in try LedgerHead.read(from: connection, path: path) }
    }

    /// The current version of `stream` (0 when it has no events).
    public func version(of stream: String) throws(StoreError) -> Int64 {
        try storeSnapshot { connection in
            try connection.scalarInt64(
                "SELECT max(stream_version) FROM events WHERE stream_id = (SELECT id FROM streams WHERE name = ?1)",
                [.text(stream)]) ?? 0
        }
    }

    /// A value stored in `ledger_meta` when the ledger was created (`format`, `createdAt`).
    public func metadata(_ key: String) throws(StoreError) -> String? {
        try storeSnapshot { connection in
            try connection.scalarText("SELECT value FROM ledger_meta WHERE key = ?1", [.text(key)])
        }
    }
}

/// Where the chain ends: the next event gets `seq + 1` and `prev = hash`.
public struct LedgerHead: Sendable, Equatable {
    public let seq: Int64
    public let hash: SHA256Digest
    public let recordedAt: Timestamp?

    public static let empty = LedgerHead(seq: 0, hash: .zero, recordedAt: nil)

    static func read(from connection: Connection, path: String) throws(StoreError) -> LedgerHead {
        do {
            let statement = try connection.cached("SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1")
            try statement.bind([])
            defer { statement.reset() }
            guard try statement.step() else { return .empty }
            let seq = statement.int64(at: 0)
            guard let hash = statement.withUnsafeBytes(at: 1, { try? SHA256Digest(bytes: $0) }),
                  let recordedAt = Timestamp(canonical: statement.text(at: 2)) else {
                throw StoreError.corruptEvent(seq: seq, reason: "its hash or recorded_at column is malformed")
            }
            return LedgerHead(seq: seq, hash: hash, recordedAt: recordedAt)
        } catch {
            throw StoreError.wrapping(error, path: path)
        }
    }
}

/// A non-Sendable object reachable only through its lock, so one thread at a time uses it.
///
/// `@unchecked Sendable` is sound because `value` is private and touched only inside
/// `withLock`, and callers never return it out of the closure (the SQLite connections in it are
/// opened without SQLite's own mutex). `Mutex` would say this to the compiler, but its `sending`
/// closure cannot lend a value to a non-Sendable callback, which every read here needs.
final class Guarded<Value: AnyObject>: @unchecked Sendable {
    private let lock = NSLock()
    private let value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<R, E: Error>(_ body: (Value) throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(value)
    }
}
