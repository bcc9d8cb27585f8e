import Crypto
import SQLite

/// What the chain needs of an event: where it claims to be and what it links to.
struct ChainEntry {
    let seq: Int64
    let position: Int64
    /// The hash recorded for it (the column): what its successor's `prev` was built from.
    let hash: SHA256Digest
    let prev: SHA256Digest?
    let recordedAt: Timestamp?
}

/// Findings, capped in number so a wholesale rewrite cannot exhaust memory.
struct FindingList {
    var list: [VerificationFinding] = []
    var total = 0
    /// Seqs with a finding, by kind, for the cheap "is this explained already" questions.
    private var seqsByKind: [VerificationFinding.Kind: Set<Int64>] = [:]

    mutating func add(_ seq: Int64, _ kind: VerificationFinding.Kind, _ detail: String) {
        total += 1
        if list.count < VerificationReport.findingLimit {
            list.append(VerificationFinding(seq: seq, kind: kind, detail: detail))
            seqsByKind[kind, default: []].insert(seq)
        }
    }

    mutating func retract(_ seq: Int64, _ kind: VerificationFinding.Kind) {
        if let index = list.lastIndex(where: { $0.seq == seq && $0.kind == kind }) {
            list.remove(at: index)
            total -= 1
            seqsByKind[kind]?.remove(seq)
        }
    }

    /// Whether a finding of one of `kinds` sits at `seq` or next to it.
    func has(_ kinds: [VerificationFinding.Kind], near seq: Int64) -> Bool {
        kinds.contains { kind in
            guard let seqs = seqsByKind[kind], !seqs.isEmpty else { return false }
            return seqs.contains(seq) || seqs.contains(seq - 1) || seqs.contains(seq + 1)
        }
    }
}

/// The walk over rows in storage order, putting them back in seq order within a small window.
struct ChainWalk {
    var findings = FindingList()
    private var expected: Int64 = 1
    /// The hash the next event's `prev` must equal; nil right after a gap, where it is unknown.
    private var linkTarget: SHA256Digest? = .zero
    private var last: ChainEntry?
    /// A second row claiming the seq of `last`: which of the two is genuine is decided by what
    /// the next event links to.
    private var rival: ChainEntry?
    private var parked: [Int64: ChainEntry] = [:]
    private var declaredMissing: Set<Int64> = []
    private var lastRecordedAt: Timestamp?
    /// Rows whose seq column disagrees with their bytes, judged once the structure is known.
    private var displacedRows: [(seq: Int64, position: Int64)] = []
    private var previousOffset: Int64 = 0

    init() {}

    var head: LedgerHead {
        guard let last else { return .empty }
        return LedgerHead(seq: last.seq, hash: last.hash, recordedAt: last.recordedAt)
    }

    /// Takes a chunk's rows in storage order: each row's findings, then its place in the chain.
    mutating func offer(_ chunk: CheckedChunk) {
        var next = 0
        for (index, row) in chunk.rows.enumerated() {
            while next < chunk.findings.count, chunk.findings[next].row == index {
                let problem = chunk.findings[next].problem
                findings.add(problem.seq, problem.kind, problem.detail)
                next += 1
            }
            offer(row)
        }
    }

    /// Takes one checked row (its findings already taken): its place in the chain.
    private mutating func offer(_ row: CheckedRow) {
        if row.entry.position - row.entry.seq != previousOffset, row.scanned {
            if displacedRows.count < VerificationReport.findingLimit { displacedRows.append((row.entry.seq, row.entry.position)) }
            previousOffset = row.entry.position - row.entry.seq
        }
        offer(row.entry)
    }

    private mutating func offer(_ entry: ChainEntry) {
        if entry.seq == expected {
            let late = !parked.isEmpty
            accept(entry, reordered: late)
            drainParked(reordered: late)
        } else if entry.seq > expected {
            parked[entry.seq] = entry
            if parked.count > ChainVerifier.reorderWindow { skipGap() }
        } else if declaredMissing.remove(entry.seq) != nil {
            findings.retract(entry.seq, .missing)
            findings.add(entry.seq, .reordered, "stored at position \(entry.position), far from its place in the chain")
        } else if let last, entry.seq == last.seq, rival == nil {
            rival = entry
        } else {
            findings.add(entry.seq, .inserted, "a row at storage position \(entry.position) claims seq \(entry.seq), which the chain already has")
        }
    }

    private mutating func drainParked(reordered: Bool) {
        while let next = parked.removeValue(forKey: expected) {
            accept(next, reordered: reordered)
        }
    }

    /// Declares the seqs before the earliest parked row missing and moves past them.
    private mutating func skipGap() {
        guard let resume = parked.keys.min() else { return }
        for seq in expected..<resume {
            findings.add(seq, .missing, "no event with this seq is stored")
            if declaredMissing.count < VerificationReport.findingLimit { declaredMissing.insert(seq) }
        }
        expected = resume
        linkTarget = nil
        resolveRival(successor: nil)
        drainParked(reordered: false)
    }

    private mutating func accept(_ entry: ChainEntry, reordered: Bool) {
        if reordered {
            findings.add(entry.seq, .reordered, "stored at position \(entry.position), out of seq order")
        }
        resolveRival(successor: entry)
        if let target = linkTarget, let prev = entry.prev, prev != target {
            findings.add(entry.seq - 1, .brokenLink,
                         "seq \(entry.seq) records prev \(prev.hex), but seq \(entry.seq - 1) has hash \(target.hex): its content was changed and rehashed")
        }
        if let before = lastRecordedAt, let now = entry.recordedAt, now < before {
            findings.add(entry.seq, .recordedAtDecreased, "recordedAt \(now.rfc3339) is earlier than the previous event's \(before.rfc3339)")
        }
        if let now = entry.recordedAt { lastRecordedAt = now }
        last = entry
        linkTarget = entry.hash
        expected = entry.seq + 1
    }

    /// Two rows claimed the same seq; the genuine one is the one the successor links to.
    private mutating func resolveRival(successor: ChainEntry?) {
        guard let rival, let last else { return }
        self.rival = nil
        if let successor, successor.prev == rival.hash, successor.prev != last.hash {
            findings.add(last.seq, .inserted, "the row at storage position \(last.position) is not in the chain: seq \(successor.seq) links to the row at position \(rival.position)")
            self.last = rival
            linkTarget = rival.hash
        } else {
            findings.add(rival.seq, .inserted, "the row at storage position \(rival.position) is not in the chain: a second event claims seq \(rival.seq)")
        }
    }

    mutating func finish() {
        while !parked.isEmpty { skipGap() }
        resolveRival(successor: nil)
        for row in displacedRows where !findings.has([.missing, .reordered, .inserted], near: row.seq) {
            findings.add(row.seq, .columnMismatch, "the seq column says \(row.position), the stored bytes say \(row.seq)")
        }
    }

    /// Stream versions must run 1, 2, 3 … in seq order. Judges the breaks `StreamIndexCheck`
    /// collected while the rows were being checked; when there were too many to hold, reads the
    /// stream index again and judges as it goes, so memory stays bounded either way.
    mutating func judgeStreams(_ outcome: StreamIndexCheck.Outcome, _ connection: Connection) throws {
        switch outcome {
        case let .breaks(breaks):
            for step in breaks { judge(step) }
        case let .tooMany(last):
            try StreamIndexCheck.scan(connection, through: last) { step in judge(step); return true }
        case let .failed(error):
            throw error
        }
    }

    /// A break in a stream's versions is a finding unless a row-level finding already explains it.
    private mutating func judge(_ step: StreamIndexCheck.Break) {
        let explained = findings.has([.missing, .inserted, .reordered, .columnMismatch], near: step.seq)
            || declaredMissing.contains { $0 > step.previousSeq && $0 < step.seq }
        guard !explained else { return }
        if step.version != step.previousVersion + 1 {
            findings.add(step.seq, .streamDiscontinuity, "stream \(step.stream) goes from version \(step.previousVersion) to \(step.version)")
        } else {
            findings.add(step.seq, .streamDiscontinuity, "stream \(step.stream) version \(step.version) has seq \(step.seq), not after seq \(step.previousSeq)")
        }
    }
}

/// Reads the stream index (whose columns the row walk compares with the bytes) in stream and
/// version order and collects where versions do not run 1, 2, 3 … in seq order. It needs no
/// per-stream memory, and runs on its own connection beside the row checkers.
final class StreamIndexCheck: @unchecked Sendable {
    /// One place where a stream's versions break: the row and the one before it in the stream.
    struct Break {
        let seq: Int64
        let version: Int64
        let previousSeq: Int64
        let previousVersion: Int64
        let stream: String
    }

    enum Outcome {
        case breaks([Break])
        /// More breaks than are held in memory: judge them while reading the index again.
        case tooMany(through: Int64)
        case failed(any Error)
    }

    /// How many breaks are held for judging; a ledger with more is read twice instead.
    static let heldBreaks = 4 * VerificationReport.findingLimit

    private let path: String
    private let last: Int64
    private var result: Outcome = .breaks([])

    init(path: String, through last: Int64) {
        self.path = path
        self.last = last
    }

    /// Collects the breaks; call once, then read `outcome()` after it has returned.
    func run() {
        do {
            let connection = try Connection(path: path, mode: .readOnly)
            connection.setBusyTimeout(milliseconds: 10_000)
            try connection.execute("PRAGMA cache_size = -\(RowChecker.pageCacheKiB)")
            try connection.execute("BEGIN DEFERRED")
            defer { try? connection.execute("COMMIT") }
            var breaks: [Break] = []
            var overflow = false
            try Self.scan(connection, through: last) { step in
                guard breaks.count < Self.heldBreaks else { overflow = true; return false }
                breaks.append(step)
                return true
            }
            result = overflow ? .tooMany(through: last) : .breaks(breaks)
        } catch {
            result = .failed(error)
        }
    }

    func outcome() -> Outcome { result }

    /// Calls `body` with every break among rows up to seq `last`, until it returns false.
    static func scan(_ connection: Connection, through last: Int64, _ body: (Break) throws -> Bool) throws {
        // The index alone covers these columns; the stream's name is looked up only for a break,
        // so the pass costs one index entry per row rather than a join per row.
        let rows = try connection.prepare("""
            SELECT stream_id, stream_version, seq FROM events INDEXED BY events_by_stream
            WHERE seq <= ?1 ORDER BY stream_id, stream_version
            """)
        let names = try connection.prepare("SELECT name FROM streams WHERE id = ?1")
        try rows.bind([.integer(last)])
        var currentStream: Int64 = -1
        var lastVersion: Int64 = 0
        var lastSeq: Int64 = 0
        while try rows.step() {
            let streamID = rows.int64(at: 0)
            let version = rows.int64(at: 1)
            let seq = rows.int64(at: 2)
            if streamID != currentStream {
                currentStream = streamID
                lastVersion = 0
                lastSeq = 0
            }
            if version != lastVersion + 1 || seq <= lastSeq {
                try names.bind([.integer(streamID)])
                let name = try names.step() ? names.optionalText(at: 0) : nil
                names.reset()
                let step = Break(seq: seq, version: version, previousSeq: lastSeq, previousVersion: lastVersion,
                                 stream: name ?? "#\(streamID)")
                if try !body(step) { return }
            }
            lastVersion = version
            lastSeq = seq
        }
    }
}
