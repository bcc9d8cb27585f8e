import CSQLite

/// The parameters of one execution of a statement, bound to `?1`, `?2` … in the order they are
/// appended, with every text copied into one buffer that SQLite then reads in place.
///
/// Why: binding a Swift `String` must use `SQLITE_TRANSIENT` (its bytes are only lent for the
/// duration of `withUTF8`, and a short string's bytes live inside the value itself), so SQLite
/// allocates and copies every text, and frees it again at the next bind. Statements that run for
/// every appended event (a 64-row insert binds 512 texts) spend much of their time there. Here
/// each text is appended to `text` (a plain copy of a few bytes, the buffer reused from one
/// execution to the next), and `Statement.execute(_:)` binds them with `SQLITE_STATIC`, pointers
/// into the buffer that SQLite reads only while that call runs.
///
/// Guarantee: no pointer into the buffer outlives `execute(_:)` (see there); the buffer itself is
/// never handed out.
public struct StatementParameters {
    fileprivate enum Value {
        case null
        case integer(Int64)
        /// `count` bytes of `text` from `offset`.
        case text(offset: Int32, count: Int32)
        /// `count` bytes of `text` from `offset`, bound as a blob.
        case blob(offset: Int32, count: Int32)
    }

    fileprivate var values: [Value] = []
    /// The bytes of every text and blob. Starts with one byte, so the buffer's address is never
    /// nil and an empty text's pointer points into it (SQLite binds a null pointer as NULL).
    fileprivate var text: [UInt8] = [0]

    /// An empty set, with room for `parameters` values and `textBytes` bytes of text.
    public init(parameters: Int = 16, textBytes: Int = 256) {
        values.reserveCapacity(parameters)
        text.reserveCapacity(textBytes + 1)
    }

    /// How many parameters have been appended (the next one is `?(count + 1)`).
    public var count: Int { values.count }

    /// Forgets every parameter, keeping the storage for the next execution.
    public mutating func removeAll() {
        values.removeAll(keepingCapacity: true)
        text.removeSubrange(1...)
    }

    public mutating func appendNull() {
        values.append(.null)
    }

    public mutating func append(_ value: Int64) {
        values.append(.integer(value))
    }

    public mutating func append(_ value: Int64?) {
        values.append(value.map(Value.integer) ?? .null)
    }

    /// Appends the string's full UTF-8 (an embedded NUL does not cut it short).
    public mutating func append(_ value: String) {
        var value = value
        let offset = text.count
        value.withUTF8 { text.append(contentsOf: $0) }
        values.append(.text(offset: Int32(offset), count: Int32(text.count - offset)))
    }

    /// Appends the string, or NULL when it is nil.
    public mutating func append(_ value: String?) {
        if let value { append(value) } else { values.append(.null) }
    }

    /// Appends the bytes as a blob (an empty one is a blob, not NULL).
    public mutating func append(blob bytes: [UInt8]) {
        let offset = text.count
        text.append(contentsOf: bytes)
        values.append(.blob(offset: Int32(offset), count: Int32(bytes.count)))
    }

    /// Appends `value` as `Statement.bind(_:at:)` binds it.
    public mutating func append(_ value: SQLValue) {
        switch value {
        case .null: appendNull()
        case let .integer(v): append(v)
        case let .text(s): append(s)
        case let .blob(bytes): append(blob: bytes)
        }
    }
}

extension Statement {
    /// Runs the statement (which returns no rows) once with `parameters` bound to `?1` … `?n`,
    /// each text lent to SQLite without a copy.
    ///
    /// Guarantee: SQLite holds pointers into `parameters`' buffer only while this call runs.
    /// Before it returns, also when it throws, the statement is reset and every binding cleared,
    /// so no later step can read the buffer; the caller may then change or free it. Parameters
    /// beyond `parameters.count` are NULL.
    public func execute(_ parameters: borrowing StatementParameters) throws(SQLiteError) {
        sqlite3_reset(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        let rc: Int32 = parameters.text.withUnsafeBufferPointer { buffer in
            // `text` always holds its leading byte, so `baseAddress` is not nil.
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            for (offset, value) in parameters.values.enumerated() {
                let index = Int32(offset + 1)
                let rc = switch value {
                case .null: sqlite3_bind_null(handle, index)
                case let .integer(v): sqlite3_bind_int64(handle, index, v)
                case let .text(start, count): sqlite3_bind_text(handle, index, base + Int(start), count, oda_sqlite_static())
                case let .blob(start, count): sqlite3_bind_blob(handle, index, base + Int(start), count, oda_sqlite_static())
                }
                guard rc == SQLITE_OK else { return rc }
            }
            while true {
                let rc = sqlite3_step(handle)
                if rc == SQLITE_ROW { continue }
                return rc == SQLITE_DONE ? SQLITE_OK : rc
            }
        }
        guard rc == SQLITE_OK else {
            throw SQLiteError(code: rc, extendedCode: sqlite3_extended_errcode(database),
                              message: String(cString: sqlite3_errmsg(database)), sql: sql)
        }
    }
}
