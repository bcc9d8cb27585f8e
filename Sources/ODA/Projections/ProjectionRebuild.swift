import EventLog
import SQLite

/// The full rebuild of `ProjectStateProjector` (`Projector.bulkRebuild`).
///
/// Every event goes through the same `ProjectionBatch` as an append, in `seq` order, so the
/// tables are by construction those an event-by-event replay leaves. What differs is the way in
/// and out: transaction events (most of a ledger) are read from the stored bytes by
/// `StoredEventScan` instead of being decoded into a whole envelope, and the one-row-per-event
/// table (`proj_transactions`) is held in memory (`CollectedProjectionRows`) and written once at
/// the end, in `seq` order (its primary key, so every insert appends), through one reused
/// multi-row statement. Memory grows with the ledger's transactions while the rebuild runs (one
/// `TransactionRow`, some 200 bytes, each).
///
/// Two threads share the work: the scan of transaction events and the making of their rows,
/// which needs no database, runs one chunk ahead on a thread of its own
/// (`TransactionScanStage`), while this thread reads the next chunk of stored events from SQLite
/// and takes the scanned chunk in order: its rows are added, every other event (and any the scan
/// declines) is decoded and applied here, where the database is. Reversals are therefore applied
/// in `seq` order after the rows they name, exactly as one thread would.
final class ProjectionRebuild: BulkProjectionRebuild {
    /// Events per chunk handed to the scan stage: large enough that handing over costs nothing
    /// next to the scan, small enough that the first and last chunks leave little unshared.
    static let defaultChunkSize = 4096

    private let chunkSize: Int
    private let database: ProjectionDatabase
    private let sql: ProjectionStatements
    private var batch: ProjectionBatch<CollectedProjectionRows>
    private let stage = TransactionScanStage()
    private var chunk: [StoredEventBytes] = []

    /// `chunkSize` other than the default only for tests that move the chunk boundaries.
    init(database: ProjectionDatabase, prefix: String, chunkSize: Int = defaultChunkSize) {
        precondition(chunkSize > 0)
        self.chunkSize = chunkSize
        self.database = database
        sql = .forPrefix(prefix)
        batch = ProjectionBatch(database: database, sql: sql, rows: CollectedProjectionRows())
        chunk.reserveCapacity(chunkSize)
    }

    func add(_ event: StoredEventBytes) throws {
        chunk.append(event)
        if chunk.count == chunkSize { try handOver() }
    }

    /// Takes the chunk being scanned, starts the scan of the one just read, then applies the
    /// taken one while the stage works.
    private func handOver() throws {
        let scanned = stage.finish()
        stage.start(chunk)
        chunk = []
        chunk.reserveCapacity(chunkSize)
        try apply(scanned.events, scanned.outcomes)
    }

    /// Applies a scanned chunk in `seq` order: rows as made, other events decoded.
    private func apply(_ events: [StoredEventBytes], _ outcomes: [ScannedTransaction]) throws {
        for (event, outcome) in zip(events, outcomes) {
            switch outcome {
            case let .row(row): try batch.rows.add(row)
            case .noRow: break
            case let .event(projected): try batch.apply(projected)
            case .decode:
                let envelope = try event.decoded()
                try batch.apply(ProjectedEvent(envelope, recordedAt: envelope.recordedAt.rfc3339))
            }
        }
    }

    func finish() throws {
        try handOver()
        let last = stage.finish()
        try apply(last.events, last.outcomes)
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
        try TransactionRow.insert(transactions[...], into: database, sql: sql)
    }
}
