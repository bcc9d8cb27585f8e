import EventLog
import Foundation

/// What the rebuild's scan stage made of one stored event.
enum ScannedTransaction: Sendable {
    /// A transaction event read from its bytes, with the row it makes.
    case row(TransactionRow)
    /// A transaction event read from its bytes that makes no row (not on a project stream, an
    /// amount that does not parse, a counterpart kind that is neither `planned` nor `actual`):
    /// exactly what `ProjectionBatch.apply` does with it.
    case noRow
    /// Any other event, read from its bytes with its payload parsed: the rebuild applies it.
    case event(ProjectedEvent)
    /// An event the scan declines: the rebuild decodes it and applies it itself.
    case decode
}

/// The first stage of a full rebuild, run on a thread of its own while the rebuild's thread reads
/// the next events from SQLite and writes rows: it reads every event from its stored bytes
/// (`StoredEventScan`), and makes the `proj_transactions` rows of transaction events (most of a
/// ledger), which needs no database. Everything that does need the database (other events' rows,
/// reversals, the inserts) stays on the rebuild's thread, in `seq` order, so the tables are those
/// of the one-thread rebuild.
///
/// One chunk is in flight at a time: `start` hands a chunk over, `finish` waits for its outcomes
/// (one per event, in order). The stage's state (the scan's interned strings and stream table)
/// is touched only by the chunk's thread between `start` and the semaphore it signals, and by
/// the caller only after `finish` has waited for that signal.
final class TransactionScanStage: @unchecked Sendable {
    private var scan = StoredEventScan()
    private var years = FiscalYearCache()
    private var input: [StoredEventBytes] = []
    private var output: [ScannedTransaction] = []
    private var running = false
    private let done = DispatchSemaphore(value: 0)

    /// Starts scanning `chunk` on a new thread (a thread of its own, so a saturated Dispatch pool
    /// cannot starve it while the caller waits). Call `finish` before the next `start`.
    func start(_ chunk: [StoredEventBytes]) {
        precondition(!running, "a chunk is already being scanned")
        input = chunk
        running = true
        Thread { [self] in
            output = Self.scan(input, with: &scan, years: &years)
            done.signal()
        }.start()
    }

    /// Waits for the chunk handed to `start` and returns it with its outcomes (empty when none
    /// was started).
    func finish() -> (events: [StoredEventBytes], outcomes: [ScannedTransaction]) {
        guard running else { return ([], []) }
        done.wait()
        running = false
        defer { input = []; output = [] }
        return (input, output)
    }

    /// The outcome of each event of `events`, in order.
    static func scan(_ events: [StoredEventBytes], with scan: inout StoredEventScan,
                     years: inout FiscalYearCache) -> [ScannedTransaction] {
        var outcomes: [ScannedTransaction] = []
        outcomes.reserveCapacity(events.count)
        for event in events {
            guard let scanned = scan.projectedEvent(event, otherPayloads: true) else {
                outcomes.append(.decode)
                continue
            }
            guard let transaction = scanned.transaction else {
                outcomes.append(.event(scanned))
                continue
            }
            guard let project = scanned.projectID,
                  let row = TransactionRow(seq: scanned.seq, project: project, type: transaction.type, facts: transaction.facts,
                                         years: &years) else {
                outcomes.append(.noRow)
                continue
            }
            outcomes.append(.row(row))
        }
        return outcomes
    }
}
