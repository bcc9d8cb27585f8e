import CanonicalJSON
import Crypto
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

    public typealias Progress = (_ rowsDone: Int64, _ rowsTotal: Int64) -> Void

    private let store: EventStore

    public init(store: EventStore) {
        self.store = store
    }

    public func verify(progress: Progress? = nil) throws -> VerificationReport {
        try store.withSnapshot { connection in
            var chain = try ChainWalk()
            let total = try connection.scalarInt64("SELECT count(*) FROM events") ?? 0
            let rows = try connection.prepare("""
                SELECT e.seq, s.name, e.stream_version, e.type, e.recorded_at, e.idempotency_key, e.hash, e.body
                FROM events AS e LEFT JOIN streams AS s ON s.id = e.stream_id ORDER BY e.seq
                """)
            try rows.bind([])
            var done: Int64 = 0
            while try rows.step() {
                chain.offer(row: rows)
                done += 1
                if let progress, done & 0xFFFF == 0 { progress(done, total) }
            }
            chain.finish()
            progress?(done, total)
            try chain.checkStreams(connection)
            // Reported in seq order, whichever check found them.
            let findings = chain.findings.list.enumerated().sorted { a, b in
                a.element.seq != b.element.seq ? a.element.seq < b.element.seq : a.offset < b.offset
            }.map(\.element)
            return VerificationReport(rowsChecked: done, head: chain.head, findings: findings,
                                      totalFindings: chain.findings.total)
        }
    }
}

/// The columns of the verification query, in order.
private enum Column {
    static let position: Int32 = 0, stream: Int32 = 1, streamVersion: Int32 = 2, type: Int32 = 3, recordedAt: Int32 = 4,
               idempotencyKey: Int32 = 5, hash: Int32 = 6, body: Int32 = 7
}

/// What the chain needs of an event: where it claims to be and what it links to.
private struct ChainEntry {
    let seq: Int64
    let position: Int64
    /// The hash recorded for it (the column): what its successor's `prev` was built from.
    let hash: SHA256Digest
    let prev: SHA256Digest?
    let recordedAt: Timestamp?
}

/// Findings, capped in number so a wholesale rewrite cannot exhaust memory.
private struct FindingList {
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
private struct ChainWalk {
    var findings = FindingList()
    private let hasher: SHA256Hasher
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

    init() throws {
        hasher = try SHA256Hasher()
    }

    var head: LedgerHead {
        guard let last else { return .empty }
        return LedgerHead(seq: last.seq, hash: last.hash, recordedAt: last.recordedAt)
    }

    /// Checks the row the statement is on. The body is read in place (no copy) and the checks
    /// allocate only for findings, so millions of rows cost little more than hashing them.
    mutating func offer(row: Statement) {
        let position = row.int64(at: Column.position)
        let hashColumn = row.blob(at: Column.hash)
        let entry: ChainEntry = row.withUnsafeBytes(at: Column.body) { raw in
            let body = raw.bindMemory(to: UInt8.self)
            let computed = hasher.hash(body)
            let recorded = (try? SHA256Digest(bytes: hashColumn)) ?? computed
            if hashColumn.count != SHA256Digest.byteCount {
                findings.add(position, .columnMismatch, "the hash column holds \(hashColumn.count) bytes, not 32")
            }
            guard let header = EnvelopeScanner.scan(body) else {
                // The one-pass scanner refuses; the full decoder says why.
                let reason: String
                do {
                    _ = try EventEnvelope(canonicalBytes: Array(body))
                    reason = "they are not a canonical ledger envelope"
                } catch {
                    reason = "\(error)"
                }
                findings.add(position, .modified, "the stored bytes at storage position \(position) are not a ledger envelope: \(reason)")
                return ChainEntry(seq: position, position: position, hash: recorded, prev: nil, recordedAt: nil)
            }
            if computed != recorded {
                // The bytes are not what was recorded; comparing columns with them would only repeat that.
                findings.add(header.seq, .modified, "the stored bytes hash to \(computed.hex), but \(recorded.hex) was recorded")
            } else {
                checkColumns(row, body: body, header: header)
            }
            let offset = position - header.seq
            if offset != previousOffset {
                displacedRows.append((header.seq, position))
                previousOffset = offset
            }
            return ChainEntry(seq: header.seq, position: position, hash: recorded,
                              prev: Self.digest(hex: UnsafeBufferPointer(rebasing: body[header.prev])),
                              recordedAt: Timestamp(canonicalBytes: UnsafeBufferPointer(rebasing: body[header.recordedAt])))
        }
        offer(entry)
    }

    private static func digest(hex: UnsafeBufferPointer<UInt8>) -> SHA256Digest? {
        guard hex.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for k in 0..<32 {
            bytes[k] = Self.nibble(hex[2 * k]) << 4 | Self.nibble(hex[2 * k + 1])
        }
        return try? SHA256Digest(bytes: bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c &- 0x30 : c &- 0x61 &+ 10 }

    private mutating func checkColumns(_ row: Statement, body: UnsafeBufferPointer<UInt8>, header: EnvelopeScanner.Header) {
        func text(_ range: Range<Int>) -> String { String(decoding: body[range], as: UTF8.self) }
        func same(_ column: Int32, _ range: Range<Int>?) -> Bool {
            guard !row.isNull(at: column), let range else { return row.isNull(at: column) && range == nil }
            return row.withUnsafeBytes(at: column) { $0.elementsEqual(body[range]) }
        }
        var wrong: [String] = []
        if !same(Column.stream, header.stream) {
            wrong.append("stream (\(row.optionalText(at: Column.stream) ?? "no stream row") ≠ \(text(header.stream)))")
        }
        let streamVersion = row.int64(at: Column.streamVersion)
        if streamVersion != header.streamVersion {
            wrong.append("stream_version (\(streamVersion) ≠ \(header.streamVersion))")
        }
        if !same(Column.type, header.type) { wrong.append("type (\(row.text(at: Column.type)) ≠ \(text(header.type)))") }
        if !same(Column.recordedAt, header.recordedAt) {
            wrong.append("recorded_at (\(row.text(at: Column.recordedAt)) ≠ \(text(header.recordedAt)))")
        }
        if !same(Column.idempotencyKey, header.idempotencyKey) {
            wrong.append("idempotency_key (\(row.optionalText(at: Column.idempotencyKey) ?? "null") ≠ \(header.idempotencyKey.map(text) ?? "null"))")
        }
        if !wrong.isEmpty {
            findings.add(header.seq, .columnMismatch, "index columns disagree with the stored bytes: " + wrong.joined(separator: ", "))
        }
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

    /// Stream versions must run 1, 2, 3 … in seq order. Uses the stream index (whose columns the
    /// row walk has already compared with the bytes), so it needs no per-stream memory.
    mutating func checkStreams(_ connection: Connection) throws {
        let rows = try connection.prepare("""
            SELECT e.stream_id, s.name, e.stream_version, e.seq FROM events AS e INDEXED BY events_by_stream
            LEFT JOIN streams AS s ON s.id = e.stream_id ORDER BY e.stream_id, e.stream_version
            """)
        try rows.bind([])
        var currentStream: Int64 = -1
        var lastVersion: Int64 = 0
        var lastSeq: Int64 = 0
        while try rows.step() {
            let streamID = rows.int64(at: 0)
            let version = rows.int64(at: 2)
            let seq = rows.int64(at: 3)
            if streamID != currentStream {
                currentStream = streamID
                lastVersion = 0
                lastSeq = 0
            }
            let explained = findings.has([.missing, .inserted, .reordered, .columnMismatch], near: seq)
                || declaredMissing.contains { $0 > lastSeq && $0 < seq }
            if !explained {
                let name = rows.optionalText(at: 1) ?? "#\(streamID)"
                if version != lastVersion + 1 {
                    findings.add(seq, .streamDiscontinuity, "stream \(name) goes from version \(lastVersion) to \(version)")
                } else if seq <= lastSeq {
                    findings.add(seq, .streamDiscontinuity, "stream \(name) version \(version) has seq \(seq), not after seq \(lastSeq)")
                }
            }
            lastVersion = version
            lastSeq = seq
        }
    }
}
