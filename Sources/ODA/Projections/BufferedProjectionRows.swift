import EventLog
import SQLite

/// The append path's `ProjectionRows`: transaction rows collected and written in multi-row inserts
/// of `ProjectionStatements.rowsPerInsert` rows (the rest by `flush()`, one insert per power of two). Keyed
/// by `seq`, each batch's rows land together at the right edge of `proj_transactions`. Each row's
/// columns go into one reused `StatementParameters`, whose texts SQLite reads in place rather
/// than copying each (`SQLITE_STATIC` for the one execution, instead of `SQLITE_TRANSIENT`).
///
/// A reversal of a pending row is applied to it in memory, of a written row by `UPDATE`, so the
/// result is exactly that of applying the events one by one, in `seq` order.
struct BufferedProjectionRows: ProjectionRows {
    let database: ProjectionDatabase
    let sql: ProjectionStatements
    private var pending: [TransactionRow] = []
    /// The columns of one multi-row insert, kept from one insert to the next.
    private var parameters = StatementParameters(
        parameters: ProjectionStatements.rowsPerInsert * ProjectionStatements.transactionColumns, textBytes: 8_192)

    init(database: ProjectionDatabase, sql: ProjectionStatements) {
        self.database = database
        self.sql = sql
    }

    mutating func add(_ row: TransactionRow) throws {
        if pending.isEmpty { pending.reserveCapacity(ProjectionStatements.rowsPerInsert) }
        pending.append(row)
        if pending.count == ProjectionStatements.rowsPerInsert {
            try TransactionRow.insert(pending[...], into: database, sql: sql, parameters: &parameters)
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
        try TransactionRow.insert(pending[...], into: database, sql: sql, parameters: &parameters)
        pending.removeAll(keepingCapacity: true)
    }
}

extension TransactionRow {
    /// Appends the row's ten columns, in table order, to `parameters`.
    func append(to parameters: inout StatementParameters) {
        parameters.append(seq)
        parameters.append(project)
        parameters.append(transactionId)
        parameters.append(kind.rawValue)
        parameters.append(date)
        parameters.append(fiscalYear)
        parameters.append(amount)
        parameters.append(currency)
        parameters.append(counterparty)
        parameters.append(reversedBy)
    }

    /// Inserts `rows` (in `seq` order) into `proj_transactions`: `rowsPerInsert` rows per
    /// execution of the multi-row statement, the remainder in one execution per power of two.
    /// The columns go through `parameters` (emptied first and left holding the last execution's),
    /// so their texts are lent to SQLite instead of copied by it.
    static func insert(_ rows: ArraySlice<TransactionRow>, into database: ProjectionDatabase, sql: ProjectionStatements,
                       parameters: inout StatementParameters) throws {
        let chunk = ProjectionStatements.rowsPerInsert
        let full = rows.startIndex + rows.count / chunk * chunk
        if full > rows.startIndex {
            let statement = try database.statement(sql.transactionRows)
            for start in stride(from: rows.startIndex, to: full, by: chunk) {
                parameters.removeAll()
                for slot in 0..<chunk { rows[start + slot].append(to: &parameters) }
                try statement.execute(parameters)
            }
        }
        // The remainder in one multi-row insert per power of two it holds (32, 16 … 1 rows).
        var start = full
        for (power, text) in sql.transactionRowsByPower.enumerated().reversed() {
            let count = 1 << power
            guard rows.endIndex - start >= count else { continue }
            parameters.removeAll()
            for slot in 0..<count { rows[start + slot].append(to: &parameters) }
            try database.statement(text).execute(parameters)
            start += count
        }
    }
}
