import EventLog
import SQLite

/// The full rebuild of `ProjectStateProjector` (`Projector.bulkRebuild`).
///
/// Every event goes through the same `ProjectionBatch.apply` as an append, so the tables are by
/// construction those an event-by-event replay leaves. What differs is the way in and out:
/// transaction events (most of a ledger) are read from the stored bytes by `StoredEventScan`
/// instead of being decoded into a whole envelope, and the one-row-per-event table
/// (`proj_transactions`) is held in memory (`CollectedProjectionRows`) and written once at the
/// end, in `seq` order (its primary key, so every insert appends), through one reused multi-row
/// statement. Memory grows with the ledger's transactions while the rebuild runs (one
/// `TransactionRow`, some 200 bytes, each).
final class ProjectionRebuild: BulkProjectionRebuild {
    private let database: ProjectionDatabase
    private let sql: ProjectionStatements
    private var batch: ProjectionBatch<CollectedProjectionRows>
    private var scan = StoredEventScan()

    init(database: ProjectionDatabase, prefix: String) {
        self.database = database
        sql = .forPrefix(prefix)
        batch = ProjectionBatch(database: database, sql: sql, rows: CollectedProjectionRows())
    }

    func add(_ event: StoredEventBytes) throws {
        if let projected = scan.projectedEvent(event) {
            try batch.apply(projected)
        } else {
            let envelope = try event.decoded()
            try batch.apply(ProjectedEvent(envelope, recordedAt: envelope.recordedAt.rfc3339))
        }
    }

    func finish() throws {
        try batch.rows.write(into: database, sql: sql)
        batch.rows = CollectedProjectionRows()
    }
}

/// The rebuild's `ProjectionRows`: every transaction row kept, in `seq` order (the table's key),
/// until `write`.
struct CollectedProjectionRows: ProjectionRows {
    private(set) var transactions: [TransactionRow] = []

    mutating func add(_ row: TransactionRow) throws {
        transactions.append(row)
    }

    /// The rows are in `seq` order: a binary search finds the one a reversal names.
    mutating func reverse(seq: Int64, project: String, by reversal: Int64) throws {
        var low = 0, high = transactions.count
        while low < high {
            let middle = (low + high) / 2
            if transactions[middle].seq < seq { low = middle + 1 } else { high = middle }
        }
        guard low < transactions.count, transactions[low].seq == seq, transactions[low].project == project else { return }
        transactions[low].reversedBy = reversal
    }

    /// Inserts every row, in key order, `rowsPerInsert` rows per statement execution.
    func write(into database: ProjectionDatabase, sql: ProjectionStatements) throws {
        let columns = ProjectionStatements.transactionColumns
        func bind(_ statement: Statement, _ r: TransactionRow, _ base: Int32) throws {
            try statement.bind(r.seq, at: base + 1)
            try statement.bind(r.project, at: base + 2)
            try statement.bind(r.transactionId.sqlValue, at: base + 3)
            try statement.bind(r.kind.rawValue, at: base + 4)
            try statement.bind(r.date.sqlValue, at: base + 5)
            try statement.bind(r.fiscalYear.map(SQLValue.integer) ?? .null, at: base + 6)
            try statement.bind(r.amount, at: base + 7)
            try statement.bind(r.currency, at: base + 8)
            try statement.bind(r.counterparty.sqlValue, at: base + 9)
            try statement.bind(r.reversedBy.map(SQLValue.integer) ?? .null, at: base + 10)
        }
        let chunk = ProjectionStatements.rowsPerInsert
        let full = transactions.count / chunk * chunk
        if full > 0 {
            let statement = try database.statement(sql.transactionRows)
            defer { statement.reset() }
            for start in stride(from: 0, to: full, by: chunk) {
                for slot in 0..<chunk { try bind(statement, transactions[start + slot], Int32(slot * columns)) }
                _ = try statement.step()
                statement.reset()
            }
        }
        if full < transactions.count {
            let statement = try database.statement(sql.transaction)
            defer { statement.reset() }
            for row in transactions[full...] {
                try bind(statement, row, 0)
                _ = try statement.step()
                statement.reset()
            }
        }
    }
}
