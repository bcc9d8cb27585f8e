import CSQLite

/// One SQLite connection.
///
/// Not `Sendable`: SQLite is opened without its own mutex (`SQLITE_OPEN_NOMUTEX`), so a connection
/// must be used by one thread at a time. Owners keep it behind a lock or inside a single task and
/// never hand it out of that lock.
public final class Connection {
    public enum Mode: Sendable {
        /// Open an existing database for reading only.
        case readOnly
        /// Open an existing database for reading and writing.
        case readWrite
        /// Open for reading and writing, creating the file if it does not exist.
        case readWriteCreate
    }

    private let handle: OpaquePointer
    public let path: String
    private var statementCache: [String: Statement] = [:]

    public init(path: String, mode: Mode) throws(SQLiteError) {
        var flags: Int32 = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "cannot open \(path): \(message)")
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that take no parameters (schema, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard rc == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: rc, extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// A new prepared statement owned by the caller.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(database: handle, sql: sql)
    }

    /// A prepared statement kept for the life of the connection: the append and read paths run the
    /// same few statements millions of times, and preparing costs more than executing.
    public func cached(_ sql: String) throws(SQLiteError) -> Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// The first column of the first row, as an integer (nil if there is no row or it is NULL).
    public func scalarInt64(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> Int64? {
        let statement = try cached(sql)
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.optionalInt64(at: 0)
    }

    /// The first column of the first row, as text (nil if there is no row or it is NULL).
    public func scalarText(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> String? {
        let statement = try cached(sql)
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.optionalText(at: 0)
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes64(handle)) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    public func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// `PRAGMA user_version`: the schema version this project stamps into the file.
    public func userVersion() throws(SQLiteError) -> Int64 {
        try scalarInt64("PRAGMA user_version") ?? 0
    }

    public func setUserVersion(_ version: Int64) throws(SQLiteError) {
        try execute("PRAGMA user_version = \(version)")
    }
}
