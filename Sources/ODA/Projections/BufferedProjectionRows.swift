import EventLog
import SQLite

/// The append path's `ProjectionRows`: rows collected and written in multi-row inserts of
/// `ProjectionStatements.rowsPerInsert` rows (the rest by `flush()`, one row at a time).
///
/// Pending transaction rows are written before the only statement that reads them back (a
/// reversal's `UPDATE`), so the result is exactly that of applying the events one by one, in
/// `seq` order.
struct BufferedProjectionRows: ProjectionRows {
    let database: ProjectionDatabase
    let sql: ProjectionStatements
    private var history: [SQLValue] = []
    private var transactions: [SQLValue] = []

    init(database: ProjectionDatabase, sql: ProjectionStatements, capacity: Int) {
        self.database = database
        self.sql = sql
        history.reserveCapacity(min(capacity, ProjectionStatements.rowsPerInsert) * ProjectionStatements.historyColumns)
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

    mutating func add(_ row: HistoryRow) throws {
        history.append(.integer(row.seq))
        history.append(.text(row.project))
        history.append(.text(row.type))
        history.append(.text(row.actor))
        history.append(row.actorRole.sqlValue)
        history.append(.text(row.recordedAt))
        history.append(row.occurredAt.sqlValue)
        history.append(row.decisionReference.sqlValue)
        history.append(.text(row.summary))
        if history.count == ProjectionStatements.rowsPerInsert * ProjectionStatements.historyColumns {
            try database.execute(sql.historyRows, history)
            history.removeAll(keepingCapacity: true)
        }
    }

    mutating func reverse(seq: Int64, project: String, by reversal: Int64) throws {
        try Self.write(&transactions, columns: ProjectionStatements.transactionColumns, single: sql.transaction, database)
        try database.execute(sql.reverse, [.integer(seq), .text(project), .integer(reversal)])
    }

    /// Writes the pending rows.
    mutating func flush() throws {
        try Self.write(&history, columns: ProjectionStatements.historyColumns, single: sql.history, database)
        try Self.write(&transactions, columns: ProjectionStatements.transactionColumns, single: sql.transaction, database)
    }

    /// Writes what remains (fewer rows than a chunk) one row at a time.
    private static func write(_ values: inout [SQLValue], columns: Int, single: String, _ database: ProjectionDatabase) throws {
        for start in stride(from: 0, to: values.count, by: columns) {
            try database.execute(single, Array(values[start..<(start + columns)]))
        }
        values.removeAll(keepingCapacity: true)
    }
}
