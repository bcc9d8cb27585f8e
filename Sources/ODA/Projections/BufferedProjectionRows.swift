import EventLog
import SQLite

/// The append path's `ProjectionRows`: transaction rows collected and written in multi-row inserts
/// of `ProjectionStatements.rowsPerInsert` rows (the rest by `flush()`, one insert per power of two). Keyed
/// by `seq`, each batch's rows land together at the right edge of `proj_transactions`. Each row's
/// columns are bound straight into the prepared statement, without an intermediate value array.
///
/// A reversal of a pending row is applied to it in memory, of a written row by `UPDATE`, so the
/// result is exactly that of applying the events one by one, in `seq` order.
struct BufferedProjectionRows: ProjectionRows {
    let database: ProjectionDatabase
    let sql: ProjectionStatements
    private var pending: [TransactionRow] = []

    init(database: ProjectionDatabase, sql: ProjectionStatements) {
        self.database = database
        self.sql = sql
    }

    mutating func add(_ row: TransactionRow) throws {
        if pending.isEmpty { pending.reserveCapacity(ProjectionStatements.rowsPerInsert) }
        pending.append(row)
        if pending.count == ProjectionStatements.rowsPerInsert {
            try TransactionRow.insert(pending[...], into: database, sql: sql)
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// A reversal of a row still pending changes it in memory; one of a row already written (or
    /// of no row) runs the `UPDATE` without writing the pending rows first, since none of them is
    /// the row it names (each `seq` is one row). Either way the result is that of flushing first,
    /// and the pending rows keep going out in multi-row inserts however many reversals a batch has.
    mutating func reverse(seq: Int64, project: String, by reversal: Int64) throws {
        if let index = pending.firstIndex(where: { $0.seq == seq }) {
            if pending[index].project == project { pending[index].reversedBy = reversal }
            return
        }
        try database.execute(sql.reverse, [.integer(seq), .text(project), .integer(reversal)])
    }

    /// Writes the pending rows (fewer than a multi-row insert).
    mutating func flush() throws {
        try TransactionRow.insert(pending[...], into: database, sql: sql)
        pending.removeAll(keepingCapacity: true)
    }
}

extension TransactionRow {
    /// Binds the row's ten columns to parameters `base + 1 ... base + 10` of `statement`.
    func bind(to statement: Statement, at base: Int32) throws(SQLiteError) {
        try statement.bind(seq, at: base + 1)
        try statement.bind(project, at: base + 2)
        try statement.bind(transactionId, at: base + 3)
        try statement.bind(kind.rawValue, at: base + 4)
        try statement.bind(date, at: base + 5)
        if let fiscalYear { try statement.bind(fiscalYear, at: base + 6) } else { try statement.bind(.null, at: base + 6) }
        try statement.bind(amount, at: base + 7)
        try statement.bind(currency, at: base + 8)
        try statement.bind(counterparty, at: base + 9)
        if let reversedBy { try statement.bind(reversedBy, at: base + 10) } else { try statement.bind(.null, at: base + 10) }
    }

    /// Inserts `rows` (in `seq` order) into `proj_transactions`: `rowsPerInsert` rows per
    /// execution of the multi-row statement, the remainder in one execution per power of two.
    static func insert(_ rows: ArraySlice<TransactionRow>, into database: ProjectionDatabase, sql: ProjectionStatements) throws {
        let chunk = ProjectionStatements.rowsPerInsert
        let columns = Int32(ProjectionStatements.transactionColumns)
        let full = rows.startIndex + rows.count / chunk * chunk
        if full > rows.startIndex {
            let statement = try database.statement(sql.transactionRows)
            defer { statement.reset() }
            for start in stride(from: rows.startIndex, to: full, by: chunk) {
                for slot in 0..<chunk { try rows[start + slot].bind(to: statement, at: Int32(slot) * columns) }
                _ = try statement.step()
                statement.reset()
            }
        }
        // The remainder in one multi-row insert per power of two it holds (32, 16 … 1 rows).
        var start = full
        for (power, text) in sql.transactionRowsByPower.enumerated().reversed() {
            let count = 1 << power
            guard rows.endIndex - start >= count else { continue }
            let statement = try database.statement(text)
            defer { statement.reset() }
            for slot in 0..<count { try rows[start + slot].bind(to: statement, at: Int32(slot) * columns) }
            _ = try statement.step()
            start += count
        }
    }
}
