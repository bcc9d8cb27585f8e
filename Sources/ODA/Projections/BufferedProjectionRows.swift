import EventLog
import SQLite

/// The append path's `ProjectionRows`: transaction rows collected and written in multi-row inserts
/// of `ProjectionStatements.rowsPerInsert` rows (the rest by `flush()`, one row at a time). Keyed
/// by `seq`, each batch's rows land together at the right edge of `proj_transactions`. Each row's
/// columns are bound straight into the prepared statement, without an intermediate value array.
///
/// Pending rows are written before the only statement that reads them back (a reversal's
/// `UPDATE`), so the result is exactly that of applying the events one by one, in `seq` order.
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

    mutating func reverse(seq: Int64, project: String, by reversal: Int64) throws {
        try flush()
        try database.execute(sql.reverse, [.integer(seq), .text(project), .integer(reversal)])
    }

    /// Writes the pending rows (fewer than a multi-row insert) one row at a time.
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
    /// execution of the multi-row statement, the remainder one row per execution.
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
        if full < rows.endIndex {
            let statement = try database.statement(sql.transaction)
            defer { statement.reset() }
            for row in rows[full...] {
                try row.bind(to: statement, at: 0)
                _ = try statement.step()
                statement.reset()
            }
        }
    }
}
