import Crypto
import Dispatch
import Foundation
import SQLite

/// Recomputes every hash from the stored bytes and checks the chain: seq continuity, `prev`
/// links, stream-version continuity, non-decreasing `recordedAt`, and that the index columns
/// agree with the bytes. Reports every finding with its seq and kind, not only the first.
///
/// Memory stays constant however long the ledger is: rows are streamed in storage order, and
/// only a small window of out-of-order rows is held to tell a swap from a deletion.
public struct ChainVerifier {
    /// How many rows may arrive ahead of a missing seq before that seq is declared missing
    /// rather than merely late. Swaps of rows closer than this are reported as `reordered`.
    public static let reorderWindow = 16
    /// Rows per unit of work handed to a checker thread.
    static let chunk: Int64 = 4_096

    public typealias Progress = (_ rowsDone: Int64, _ rowsTotal: Int64) -> Void

    private let store: EventStore
    private let threads: Int

    /// `threads` checkers hash and scan rows in parallel (two by default: this machine's cores);
    /// the chain itself is walked in order on the calling thread.
    public init(store: EventStore, threads: Int = 2) {
        self.store = store
        self.threads = max(1, threads)
    }

    public func verify(progress: Progress? = nil) throws -> VerificationReport {
        let checkers = try (0..<threads).map { _ in try RowChecker(path: store.path) }
        for checker in checkers { try checker.begin() }
        defer { for checker in checkers { checker.end() } }
        // Rows are only ever added and every range stops at `last`, so the checkers read the same
        // rows even if appends go on meanwhile.
        let connection = checkers[0].connection
        do {
            var chain = ChainWalk()
            let total = try connection.scalarInt64("SELECT count(*) FROM events") ?? 0
            let first = try connection.scalarInt64("SELECT min(seq) FROM events") ?? 1
            let last = try connection.scalarInt64("SELECT max(seq) FROM events") ?? 0
            var done: Int64 = 0
            var start = first
            while start <= last {
                // Each checker takes the next chunk; results are walked in storage order.
                let ranges = (0..<Int64(checkers.count)).compactMap { k -> ClosedRange<Int64>? in
                    let lower = start + k * Self.chunk
                    return lower <= last ? lower...min(last, lower + Self.chunk - 1) : nil
                }
                let results = try Self.inParallel(ranges.count) { k in try checkers[k].check(ranges[k]) }
                for rows in results {
                    for row in rows { chain.offer(row) }
                    done += Int64(rows.count)
                }
                progress?(done, total)
                start = ranges.last!.upperBound + 1
            }
            chain.finish()
            try chain.checkStreams(connection)
            // Reported in seq order, whichever check found them.
            let findings = chain.findings.list.enumerated().sorted { a, b in
                a.element.seq != b.element.seq ? a.element.seq < b.element.seq : a.offset < b.offset
            }.map(\.element)
            return VerificationReport(rowsChecked: done, head: chain.head, findings: findings,
                                      totalFindings: chain.findings.total)
        } catch let error as SQLiteError {
            throw StoreError(error, path: store.path)
        }
    }

    /// Runs `work(0..<count)` on as many threads and returns the results in index order.
    private static func inParallel<T>(_ count: Int, _ work: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let slots = ResultSlots<T>(count)
        DispatchQueue.concurrentPerform(iterations: count) { k in
            slots.set(k, Result { try work(k) })
        }
        return try slots.values.map { try $0!.get() }
    }
}

/// Results written by parallel workers, each to its own index, read after all have finished.
private final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    init(_ count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<T, any Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [Result<T, any Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
