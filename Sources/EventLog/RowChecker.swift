import Crypto
import SQLite

/// One stored row, checked on its own: its hash recomputed, its bytes scanned, its index columns
/// compared. What it cannot judge alone (order, links, gaps) is left to `ChainWalk`.
///
/// Plain data with no references: a chunk's thousands of rows are written, walked and cleared
/// without reference counting. What the checks found is kept beside them, in `CheckedChunk`.
struct CheckedRow {
    typealias Problem = (seq: Int64, kind: VerificationFinding.Kind, detail: String)
    let entry: ChainEntry
    /// False when the bytes were not an envelope (the entry's seq is then its position).
    let scanned: Bool
}

/// The checked rows of one range, in storage order, and the problems found among them, each
/// with the index of its row, in the order they were found.
struct CheckedChunk {
    var rows: [CheckedRow] = []
    var findings: [(row: Int, problem: CheckedRow.Problem)] = []

    /// Empties both lists, keeping their storage for the next range.
    mutating func clear() {
        rows.removeAll(keepingCapacity: true)
        findings.removeAll(keepingCapacity: true)
    }
}

/// The columns of the verification query, in order.
enum Column {
    static let position: Int32 = 0, streamID: Int32 = 1, streamVersion: Int32 = 2, type: Int32 = 3, recordedAt: Int32 = 4,
               idempotencyKey: Int32 = 5, hash: Int32 = 6, body: Int32 = 7
}

/// Checks rows of one read connection. Each checker belongs to one thread at a time: the
/// verifier hands a range of rows to each and waits for all before using the results.
final class RowChecker: @unchecked Sendable {
    let connection: Connection
    private let rows: Statement
    private let streamName: Statement
    private let hasher: SHA256Hasher
    /// Stream names by id, as the `streams` table holds them: looking a name up here costs less
    /// than joining `streams` for every row. Fixed size, so memory stays bounded however many
    /// streams there are. A checker belongs to one thread at a time, so the cache is read and
    /// updated without the runtime's exclusivity bookkeeping, which costs a call on every row.
    @exclusivity(unchecked) private var streamNames = StreamNameCache()
    /// What the scanner accepted in earlier rows (one batch's actor and timestamp), so identical
    /// bytes are compared rather than read again. Same single-thread use as `streamNames`.
    @exclusivity(unchecked) private var scanMemo = EnvelopeScanner.Memo()

    /// The page cache of each verification connection, in KiB. Rows are read once, in order, so
    /// beyond the pages on the cursor's path a cache only holds pages that will not be read again;
    /// kept this small, the buffers SQLite copies pages into stay in the core's own cache (a few
    /// MiB cycled through per connection evicted them, and with them the stream names), and
    /// memory stays flat over millions of rows.
    static let pageCacheKiB = 128

    init(path: String) throws {
        connection = try Connection(path: path, mode: .readOnly)
        connection.setBusyTimeout(milliseconds: 10_000)
        try connection.execute("PRAGMA cache_size = -\(Self.pageCacheKiB)")
        rows = try connection.prepare("""
            SELECT seq, stream_id, stream_version, type, recorded_at, idempotency_key, hash, body
            FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq
            """)
        streamName = try connection.prepare("SELECT name FROM streams WHERE id = ?1")
        hasher = try SHA256Hasher()
    }

    /// Every row whose seq column lies in `range`, in storage order, replacing what `result` held.
    /// Its storage is reused: the verifier hands each chunk's array back, so a long run does not
    /// map and fault in fresh memory for every chunk.
    func check(_ range: ClosedRange<Int64>, into result: inout CheckedChunk) throws {
        try rows.bind([.integer(range.lowerBound), .integer(range.upperBound)])
        defer { rows.reset() }
        result.clear()
        result.rows.reserveCapacity(Int(range.count))
        while try rows.step() { try check(rows, into: &result) }
    }

    func begin() throws { try connection.execute("BEGIN DEFERRED") }

    /// The name the `streams` table gives stream `id`, or nil when it has no such row. Read in the
    /// same snapshot as the rows (the checker's transaction), so it is what a join would give.
    private func name(ofStream id: Int64) throws(SQLiteError) -> [UInt8]? {
        if let cached = streamNames.name(of: id) { return cached }
        try streamName.bind([.integer(id)])
        defer { streamName.reset() }
        var name: [UInt8]?
        if try streamName.step(), !streamName.isNull(at: 0) {
            name = streamName.withUnsafeBytes(at: 0) { Array($0) }
        }
        streamNames.remember(name, for: id)
        return name
    }

    /// Whether stream `id`'s name (as the `streams` table holds it) is exactly `bytes`; false when
    /// there is no such row. A name found in the cache is compared where it lies, without copying.
    private func streamName(_ id: Int64, is bytes: UnsafeRawBufferPointer) throws(SQLiteError) -> Bool {
        if let known = streamNames.matches(id, bytes) { return known }
        return try name(ofStream: id)?.withUnsafeBytes { Self.equal($0, bytes) } ?? false
    }
    func end() { try? connection.execute("COMMIT") }

    /// Checks the row the statement is on and appends it, with what was found, to `chunk`. The
    /// body is read in place (no copy) and the checks allocate only for findings, so millions of
    /// rows cost little more than hashing them.
    func check(_ row: Statement, into chunk: inout CheckedChunk) throws {
        let index = chunk.rows.count
        let position = row.int64(at: Column.position)
        let (recordedHash, hashColumnCount) = row.withUnsafeBytes(at: Column.hash) { (try? SHA256Digest(bytes: $0), $0.count) }
        // Problems go straight into the chunk: a local list shared with a nested function would
        // be a heap-allocated box on every row, finding or not.
        let checked: CheckedRow = try row.withUnsafeBytes(at: Column.body) { raw in
            let body = raw.bindMemory(to: UInt8.self)
            let computed = hasher.hash(raw: raw)
            let recorded = recordedHash ?? computed
            if recordedHash == nil {
                chunk.findings.append((index, (position, .columnMismatch, "the hash column holds \(hashColumnCount) bytes, not 32")))
            }
            guard let header = EnvelopeScanner.scan(body, memo: &scanMemo) else {
                // The one-pass scanner refuses; the full decoder says why.
                let reason: String
                do {
                    _ = try EventEnvelope(canonicalBytes: Array(body))
                    reason = "they are not a canonical ledger envelope"
                } catch {
                    reason = "\(error)"
                }
                chunk.findings.append((index, (position, .modified,
                                               "the stored bytes at storage position \(position) are not a ledger envelope: \(reason)")))
                return CheckedRow(entry: ChainEntry(seq: position, position: position, hash: recorded, prev: nil, recordedAt: nil),
                                  scanned: false)
            }
            if computed != recorded {
                // The bytes are not what was recorded; comparing columns with them would only repeat that.
                chunk.findings.append((index, (header.seq, .modified,
                                               "the stored bytes hash to \(computed.hex), but \(recorded.hex) was recorded")))
            } else if let mismatch = try columnMismatch(row, body: body, header: header) {
                chunk.findings.append((index, (header.seq, .columnMismatch, mismatch)))
            }
            return CheckedRow(entry: ChainEntry(seq: header.seq, position: position, hash: recorded,
                                                prev: SHA256Digest(lowercaseHex: UnsafeRawBufferPointer(rebasing: raw[header.prev])),
                                                recordedAt: Timestamp(microsecondsSinceEpoch: header.recordedAtMicroseconds)),
                              scanned: true)
        }
        chunk.rows.append(checked)
    }

    /// Byte equality eight bytes at a time: every row compares four columns with its bytes, and
    /// a generic element-by-element comparison costs more than the rest of the column check.
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        var k = 0
        while k + 8 <= a.count {
            if a.loadUnaligned(fromByteOffset: k, as: UInt64.self) != b.loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
            k += 8
        }
        while k < a.count {
            if a[k] != b[k] { return false }
            k += 1
        }
        return true
    }

    /// What is wrong with the index columns, or nil when they agree with the bytes.
    private func columnMismatch(_ row: Statement, body: UnsafeBufferPointer<UInt8>, header: EnvelopeScanner.Header) throws -> String? {
        func text(_ range: Range<Int>) -> String { String(decoding: body[range], as: UTF8.self) }
        func same(_ column: Int32, _ range: Range<Int>?) -> Bool {
            // A member the bytes lack must be NULL in its column: one call asks, without lending the value.
            guard let range else { return row.isNull(at: column) }
            return row.withUnsafeBytes(at: column) { lent in
                // Only an empty value can be NULL: asking SQLite for the type costs a call per column.
                if lent.isEmpty, row.isNull(at: column) { return false }
                return Self.equal(lent, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: body[range])))
            }
        }
        var wrong: [String] = []
        let streamID = row.int64(at: Column.streamID)
        if try !streamName(streamID, is: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: body[header.stream]))) {
            let streamName = try name(ofStream: streamID)
            wrong.append("stream (\(streamName.map { String(decoding: $0, as: UTF8.self) } ?? "no stream row") ≠ \(text(header.stream)))")
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
        return wrong.isEmpty ? nil : "index columns disagree with the stored bytes: " + wrong.joined(separator: ", ")
    }

}

/// Stream names by id in a fixed number of slots, one per id modulo the slot count: no hashing,
/// no per-lookup allocation or reference counting, and a bounded footprint. Stream ids are
/// assigned 1, 2, 3 … as streams appear, so up to `slots` streams never evict one another.
///
/// The names lie end to end in one arena rather than in fixed-width slots: verification looks
/// up a stream for every row, and thousands of short names packed together stay in the CPU's
/// cache where padded slots would not. When the arena is full it starts again, empty.
struct StreamNameCache {
    static let slots = 4_096
    static let arenaCapacity = 256 * 1_024
    /// Names longer than this (no valid stream has one) are not cached.
    static let longestName = 256

    private struct Slot {
        /// The id held; 0 for none (ids start at 1).
        var id: Int64 = 0
        var offset: Int32 = 0
        /// The name's length in bytes; -1 when the `streams` table has no row for `id`.
        var length: Int32 = -1
    }

    private var table = [Slot](repeating: Slot(), count: slots)
    private var arena: [UInt8] = []

    private static func slot(_ id: Int64) -> Int { Int(truncatingIfNeeded: UInt64(bitPattern: id) % UInt64(slots)) }

    /// The cached answer for `id`: `.some(nil)` when the `streams` table has no such row, nil when
    /// `id` is not cached.
    func name(of id: Int64) -> [UInt8]?? {
        let entry = table[Self.slot(id)]
        guard id != 0, entry.id == id else { return nil }
        guard entry.length >= 0 else { return .some(nil) }
        return .some(Array(arena[Int(entry.offset)..<Int(entry.offset + entry.length)]))
    }

    /// Whether the cached name of `id` equals `bytes` (false for a stream without a row); nil when
    /// `id` is not cached.
    func matches(_ id: Int64, _ bytes: UnsafeRawBufferPointer) -> Bool? {
        let entry = table[Self.slot(id)]
        guard id != 0, entry.id == id else { return nil }
        guard entry.length >= 0 else { return false }
        return arena.withUnsafeBytes { all in
            RowChecker.equal(UnsafeRawBufferPointer(rebasing: all[Int(entry.offset)..<Int(entry.offset + entry.length)]), bytes)
        }
    }

    /// Caches what the `streams` table says of `id` (nil: no such row), evicting the slot's
    /// previous id. A name too long to cache leaves the slot empty.
    mutating func remember(_ name: [UInt8]?, for id: Int64) {
        guard id != 0 else { return }
        let k = Self.slot(id)
        guard let name else {
            table[k] = Slot(id: id, offset: 0, length: -1)
            return
        }
        guard name.count <= Self.longestName else {
            table[k] = Slot()
            return
        }
        if arena.count + name.count > Self.arenaCapacity {
            // Every cached name points into the arena: forget them all before reusing it.
            for j in table.indices { table[j] = Slot() }
            arena.removeAll(keepingCapacity: true)
        }
        if arena.capacity == 0 { arena.reserveCapacity(Self.arenaCapacity) }
        table[k] = Slot(id: id, offset: Int32(arena.count), length: Int32(name.count))
        arena.append(contentsOf: name)
    }
}
