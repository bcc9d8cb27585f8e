import CSQLite

/// A prepared statement. Every query in the project goes through one: values are bound, never
/// spliced into SQL text.
///
/// Not `Sendable`: it belongs to its connection and is used by whoever holds that connection.
public final class Statement {
    let handle: OpaquePointer
    let database: OpaquePointer
    /// The SQL text, kept for error messages.
    public let sql: String

    init(database: OpaquePointer, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(code: rc, extendedCode: sqlite3_extended_errcode(database),
                              message: String(cString: sqlite3_errmsg(database)), sql: sql)
        }
        self.handle = statement
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: Binding (1-based parameter indexes, as SQLite numbers them)

    /// Clears previous bindings and the cursor, then binds `values` to ?1, ?2 ….
    public func bind(_ values: [SQLValue]) throws(SQLiteError) {
        reset()
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    public func bind(_ value: SQLValue, at index: Int32) throws(SQLiteError) {
        let rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(handle, index)
        case let .integer(v):
            rc = sqlite3_bind_int64(handle, index, v)
        case let .text(s):
            rc = Self.bindText(s, to: handle, at: index)
        case let .blob(bytes):
            rc = bytes.withUnsafeBytes { raw in
                // A zero-length blob still needs a non-null pointer, or SQLite stores NULL.
                sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count),
                                  oda_sqlite_transient())
            }
        }
        try check(rc)
    }

    public func bind(_ value: Int64, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    public func bind(_ value: String, at index: Int32) throws(SQLiteError) {
        try check(Self.bindText(value, to: handle, at: index))
    }

    /// Binds the string's full UTF-8 length, so an embedded NUL cannot silently truncate it.
    private static func bindText(_ value: String, to handle: OpaquePointer, at index: Int32) -> Int32 {
        if value.isEmpty {
            return sqlite3_bind_text(handle, index, "", 0, oda_sqlite_transient())
        }
        var value = value
        return value.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), oda_sqlite_transient())
            }
        }
    }

    public func bind(_ bytes: [UInt8], at index: Int32) throws(SQLiteError) {
        let rc = bytes.withUnsafeBytes { raw in
            sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count),
                              oda_sqlite_transient())
        }
        try check(rc)
    }

    /// Binds a borrowed buffer as a blob; SQLite copies it before this returns.
    public func bind(_ raw: UnsafeRawBufferPointer, at index: Int32) throws(SQLiteError) {
        // A zero-length blob still needs a non-null pointer, or SQLite stores NULL.
        try check(sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count),
                                    oda_sqlite_transient()))
    }

    // MARK: Stepping

    /// Advances to the next row; false when the statement is done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(code: rc, extendedCode: sqlite3_extended_errcode(database),
                                    message: String(cString: sqlite3_errmsg(database)), sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs a statement that returns no rows.
    public func execute(_ values: [SQLValue] = []) throws(SQLiteError) {
        try bind(values)
        while try step() {}
        reset()
    }

    /// Rewinds the cursor and drops bindings so the statement can be reused.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns (0-based, as SQLite numbers them)

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func isNull(at column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    public func int64(at column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    public func optionalInt64(at column: Int32) -> Int64? { isNull(at: column) ? nil : int64(at: column) }

    public func text(at column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func optionalText(at column: Int32) -> String? { isNull(at: column) ? nil : text(at: column) }

    public func blob(at column: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Lends the column's bytes (a blob, or a text's UTF-8) without copying them. The buffer is
    /// valid only inside `body` and only until the statement steps or resets: hot loops such as
    /// verification hash and scan millions of rows this way without allocating.
    ///
    /// A text is lent through `sqlite3_column_blob`, which hands back its stored bytes as they lie
    /// in the row (UTF-8: the project never changes a database's encoding), where
    /// `sqlite3_column_text` would first copy them to add a terminating NUL. The column still
    /// reads as text afterwards (`value(at:)`, `text(at:)`).
    public func withUnsafeBytes<R>(at column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
    }

    public func value(at column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(int64(at: column))
        case SQLITE_TEXT: return .text(text(at: column))
        case SQLITE_BLOB: return .blob(blob(at: column))
        case SQLITE_NULL: return .null
        default: return .text(text(at: column))
        }
    }

    func check(_ rc: Int32) throws(SQLiteError) {
        guard rc == SQLITE_OK else {
            throw SQLiteError(code: rc, extendedCode: sqlite3_extended_errcode(database),
                              message: String(cString: sqlite3_errmsg(database)), sql: sql)
        }
    }
}
