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
    /// Rows per unit of work a checker thread claims. Small enough that when the rows run out
    /// the last chunk still being checked is a few milliseconds of work for one core, large
    /// enough that starting a range query and handing the chunk over cost nothing next to it.
    static let chunk: Int64 = 1_024
    /// Chunks each checker may have finished ahead of the walk: the slack that lets a checker
    /// go on while another, briefly off its core, holds the chunk the walk needs next. Memory
    /// stays bounded by it (about 100 bytes per row held).
    static let windowPerChecker = 8

    public typealias Progress = (_ rowsDone: Int64, _ rowsTotal: Int64) -> Void

    private let store: EventStore
    private let threads: Int
    private let rowsPerChunk: Int64

    /// `threads` checkers hash and scan rows in parallel (two by default: this machine's cores)
    /// while the chain itself is walked in order on the calling thread, and the stream index is
    /// checked on one more thread at the same time.
    public init(store: EventStore, threads: Int = 2) {
        self.init(store: store, threads: threads, rowsPerChunk: Self.chunk)
    }

    /// Tests use small chunks to put findings on either side of chunk boundaries.
    init(store: EventStore, threads: Int, rowsPerChunk: Int64) {
        self.store = store
        self.threads = max(1, threads)
        self.rowsPerChunk = max(1, rowsPerChunk)
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
            // Counting is a pass over a whole index before any checking starts: only for progress.
            let total = progress == nil ? 0 : try connection.scalarInt64("SELECT count(*) FROM events") ?? 0
            let first = try connection.scalarInt64("SELECT min(seq) FROM events") ?? 1
            let last = try connection.scalarInt64("SELECT max(seq) FROM events") ?? 0
            let plan = ChunkPlan(first: first, last: last, rowsPerChunk: rowsPerChunk, threads: checkers.count)
            let chunks = plan.count
            // Each checker claims the next unchecked chunk when it is done with one, so both stay
            // busy to the end; together they may run `window` chunks ahead of the walk.
            let pipeline = ChunkPipeline<CheckedChunk>(window: Self.windowPerChecker * checkers.count, count: chunks)
            let spare = SpareRowArrays(kept: Self.windowPerChecker * checkers.count + checkers.count)
            let streams = StreamIndexCheck(path: store.path, through: last)
            let group = DispatchGroup()
            group.runOnOwnThread { streams.run() }
            for checker in checkers {
                group.runOnOwnThread {
                    while let index = pipeline.claim() {
                        var rows = spare.take()
                        let outcome: Result<CheckedChunk, any Error>
                        do {
                            try checker.check(plan.seqs(of: index), into: &rows)
                            outcome = .success(rows)
                        } catch {
                            outcome = .failure(error)
                        }
                        rows = CheckedChunk()
                        guard pipeline.put(index, outcome) else { break }
                    }
                }
            }
            defer {
                pipeline.cancel()
                group.wait()
            }
            var done: Int64 = 0
            for index in 0..<chunks {
                var rows = try pipeline.take(index)
                chain.offer(rows)
                done += Int64(rows.rows.count)
                spare.give(rows)
                rows = CheckedChunk()
                progress?(done, total)
            }
            chain.finish()
            group.wait()
            try chain.judgeStreams(streams.outcome(), connection)
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
}

/// How the seqs `first…last` are cut into chunks: full chunks of `rowsPerChunk`, then, for the
/// last rows (one full chunk's worth per checker), chunks a quarter that size. Checkers claim
/// chunks in turn, so whichever finishes first idles while the other ends its last chunk; small
/// chunks at the end keep that wait to a fraction of a chunk.
///
/// Guarantee: the chunks cover every seq from `first` to `last` exactly once, in order
/// (`VerifyChunkBoundaryTests` checks the plan, and verifies with it against one single chunk).
struct ChunkPlan {
    let first: Int64
    let last: Int64
    let size: Int64
    let tailSize: Int64
    /// Full chunks before the tail, and all chunks.
    let fullChunks: Int
    let count: Int

    init(first: Int64, last: Int64, rowsPerChunk: Int64, threads: Int) {
        self.first = first
        self.last = last
        size = max(1, rowsPerChunk)
        tailSize = max(1, size / 4)
        let seqs = last >= first ? last - first + 1 : 0
        let tail = min(seqs, Int64(max(1, threads)) * size)
        fullChunks = Int((seqs - tail) / size)
        let rest = seqs - Int64(fullChunks) * size
        count = fullChunks + Int((rest + tailSize - 1) / tailSize)
    }

    /// The seqs of chunk `index` (0 ..< count).
    func seqs(of index: Int) -> ClosedRange<Int64> {
        let lower: Int64, width: Int64
        if index < fullChunks {
            lower = first + Int64(index) * size
            width = size
        } else {
            lower = first + Int64(fullChunks) * size + Int64(index - fullChunks) * tailSize
            width = tailSize
        }
        return lower...min(last, lower + width - 1)
    }
}

/// Chunks the walk has finished with, handed back to the checkers to fill again. A chunk's row
/// array is a few hundred KiB: allocating a fresh one per chunk would have the kernel map and
/// zero new pages every time, which costs more than the rows' SQLite work. Holds at most `kept`:
/// as many as can be in flight, so a long run allocates none after its first chunks.
final class SpareRowArrays: @unchecked Sendable {
    private let lock = NSLock()
    private var arrays: [CheckedChunk] = []
    private let kept: Int

    init(kept: Int) {
        self.kept = kept
    }

    /// An empty chunk, with the capacity of a returned one when there is one.
    func take() -> CheckedChunk {
        lock.lock()
        defer { lock.unlock() }
        return arrays.popLast() ?? CheckedChunk()
    }

    /// Keeps `rows`' storage for a later `take`; the caller must drop its own reference.
    func give(_ rows: CheckedChunk) {
        lock.lock()
        defer { lock.unlock() }
        if arrays.count < kept { arrays.append(rows) }
    }
}

