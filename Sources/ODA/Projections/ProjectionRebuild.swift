import EventLog
import SQLite

/// The full rebuild of `ProjectStateProjector` (`Projector.bulkRebuild`).
///
/// Every event goes through the same `ProjectionBatch` as an append, in `seq` order, so the
/// tables are by construction those an event-by-event replay leaves. What differs is the way in:
/// every event is read from its stored bytes by `StoredEventScan` (transaction events, most of a
/// ledger, without building any JSON; the others with only their payload parsed) instead of
/// being decoded into a whole envelope. The one-row-per-event table (`proj_transactions`) is
/// written as the append path writes it (`BufferedProjectionRows`): 64 rows per insert, in `seq`
/// order (its key, so every insert appends), a reversal of a row still pending applied in memory
/// and one of a written row by `UPDATE`.
///
/// Two threads share the work: the scan, and the making of transaction rows, which needs no
/// database, runs one chunk ahead on a thread of its own (`TransactionScanStage`), while this
/// thread reads the next chunk of stored events from SQLite and takes the scanned chunk in order:
/// its rows are inserted and its other events applied here, where the database is (any event
/// the scan declines is decoded here first). Reversals are therefore applied in `seq` order after
/// the rows they name, exactly as one thread would. Since the rows are inserted while the next
/// chunk is scanned rather than all at the end, the two threads' shares are of a similar size.
final class ProjectionRebuild: BulkProjectionRebuild {
    /// Events per chunk handed to the scan stage: large enough that handing over costs nothing
    /// next to the scan, small enough that the first and last chunks leave little unshared.
    static let defaultChunkSize = 4096

    private let chunkSize: Int
    private var batch: ProjectionBatch<BufferedProjectionRows>
    private let stage = TransactionScanStage()
    private var chunk: [StoredEventBytes] = []

    /// `chunkSize` other than the default only for tests that move the chunk boundaries.
    init(database: ProjectionDatabase, prefix: String, chunkSize: Int = defaultChunkSize) {
        precondition(chunkSize > 0)
        self.chunkSize = chunkSize
        let sql = ProjectionStatements.forPrefix(prefix)
        batch = ProjectionBatch(database: database, sql: sql, rows: BufferedProjectionRows(database: database, sql: sql))
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

    /// Applies a scanned chunk in `seq` order: rows as made, other events as read (decoded here
    /// when the scan declined them).
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
        try batch.rows.flush()
    }
}
