import EventLog
import SQLite

/// The append path's `ProjectionRows`: transaction rows collected and written in multi-row inserts
/// of `ProjectionStatements.rowsPerInsert` rows (the rest by `flush()`, one row at a time). Keyed
/// by `seq`, each batch's rows land together at the right edge of `proj_transactions`.
///
/// Pending rows are written before the only statement that reads them back (a reversal's
/// `UPDATE`), so the result is exactly that of applying the events one by one, in `seq` order.
struct BufferedProjectionRows: ProjectionRows {
    let database: ProjectionDatabase
    let sql: ProjectionStatements
    private var transactions: [SQLValue] = []

    init(database: ProjectionDatabase, sql: ProjectionStatements, capacity: Int) {
        self.database = database
        self.sql = sql
        transactions.reserveCapacity(min(capacity, ProjectionStatements.rowsPerInsert) * ProjectionStatements.transactionColumns)
    }

    mutating func add(_ row: TransactionRow) throws {
        transactions.append(.integer(row.seq))
        transactions.append(.text(row.project))
        transactions.append(row.transactionId.sqlValue)
        transactions.append(.text(row.kind.rawValue))
        transactions.append(row.date.sqlValue)
        transactions.append(row.fiscalYear.map(SQLValue.integer) ?? .null)
        transactions.append(.text(row.amount))
        transactions.append(.text(row.currency))
        transactions.append(row.counterparty.sqlValue)
        transactions.append(row.reversedBy.map(SQLValue.integer) ?? .null)
        if transactions.count == ProjectionStatements.rowsPerInsert * ProjectionStatements.transactionColumns {
            try database.execute(sql.transactionRows, transactions)
            transactions.removeAll(keepingCapacity: true)
        }
    }

    mutating func reverse(seq: Int64, project: String, by reversal: Int64) throws {
        try flush()
        try database.execute(sql.reverse, [.integer(seq), .text(project), .integer(reversal)])
    }

    /// Writes the pending rows (fewer than a multi-row insert) one row at a time.
    mutating func flush() throws {
        let columns = ProjectionStatements.transactionColumns
        for start in stride(from: 0, to: transactions.count, by: columns) {
            try database.execute(sql.transaction, Array(transactions[start..<(start + columns)]))
        }
        transactions.removeAll(keepingCapacity: true)
    }
}
