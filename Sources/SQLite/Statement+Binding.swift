import CSQLite

/// Binding without a value array or a copy, for statements run once per appended row.
///
/// `bind(_:)` with `[SQLValue]` allocates an array and an enum per value, and binds text and blobs
/// with `SQLITE_TRANSIENT`, which makes SQLite copy them. The hot insert statements bind each
/// parameter directly and lend the large body with `SQLITE_STATIC` for the one step that stores it.
extension Statement {
    /// Binds `value`, or NULL when it is nil.
    public func bind(_ value: String?, at index: Int32) throws(SQLiteError) {
        if let value {
            try bind(value, at: index)
        } else {
            try check(sqlite3_bind_null(handle, index))
        }
    }

    /// Runs a statement that returns no rows, with the parameters bound so far and `bytes` lent
    /// to parameter `index` without a copy.
    ///
    /// Guarantee: SQLite holds the borrowed pointer only while this call runs. Before it returns
    /// (also when it throws) the statement is rewound and parameter `index` is rebound to NULL,
    /// so no later step can read the buffer. The other bindings stay in place, so a caller that
    /// binds every parameter again per row pays no `sqlite3_clear_bindings`.
    public func execute(borrowingBlob bytes: UnsafeRawBufferPointer, at index: Int32) throws(SQLiteError) {
        // A zero-length blob still needs a non-null pointer, or SQLite stores NULL.
        let rc = sqlite3_bind_blob(handle, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                   Int32(bytes.count), oda_sqlite_static())
        defer {
            sqlite3_reset(handle)
            sqlite3_bind_null(handle, index)
        }
        try check(rc)
        while try step() {}
    }

    /// ``execute(borrowingBlob:at:)-(UnsafeRawBufferPointer,_)`` for an array's bytes.
    public func execute(borrowingBlob bytes: [UInt8], at index: Int32) throws(SQLiteError) {
        let failure: SQLiteError? = bytes.withUnsafeBytes { raw in
            do throws(SQLiteError) {
                try execute(borrowingBlob: raw, at: index)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }
}
