import Crypto
import SQLite

/// One stored row, checked on its own: its hash recomputed, its bytes scanned, its index columns
/// compared. What it cannot judge alone (order, links, gaps) is left to `ChainWalk`.
struct CheckedRow {
    typealias Problem = (seq: Int64, kind: VerificationFinding.Kind, detail: String)
    let entry: ChainEntry
    let findings: [Problem]
    /// False when the bytes were not an envelope (the entry's seq is then its position).
    let scanned: Bool
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
    /// Stream names by id, as the `streams` table holds them (nil: no such row). Looking a name up
    /// here costs less than joining `streams` for every row; the cache is emptied when it grows
    /// past `streamCacheLimit`, so memory stays bounded however many streams there are.
    private var streamNames: [Int64: [UInt8]?] = [:]
    static let streamCacheLimit = 4_096

    init(path: String) throws {
        connection = try Connection(path: path, mode: .readOnly)
        connection.setBusyTimeout(milliseconds: 10_000)
        // Rows are read once, in order: a small page cache keeps memory flat over millions of them.
        try connection.execute("PRAGMA cache_size = -2000")
        rows = try connection.prepare("""
            SELECT seq, stream_id, stream_version, type, recorded_at, idempotency_key, hash, body
            FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq
            """)
        streamName = try connection.prepare("SELECT name FROM streams WHERE id = ?1")
        hasher = try SHA256Hasher()
    }

    /// Every row whose seq column lies in `range`, in storage order.
    func check(_ range: ClosedRange<Int64>) throws -> [CheckedRow] {
        try rows.bind([.integer(range.lowerBound), .integer(range.upperBound)])
        defer { rows.reset() }
        var result: [CheckedRow] = []
        result.reserveCapacity(Int(range.count))
        while try rows.step() { result.append(try check(rows)) }
        return result
    }

    func begin() throws { try connection.execute("BEGIN DEFERRED") }

    /// The name the `streams` table gives stream `id`, or nil when it has no such row. Read in the
    /// same snapshot as the rows (the checker's transaction), so it is what a join would give.
    private func name(ofStream id: Int64) throws(SQLiteError) -> [UInt8]? {
        if let cached = streamNames[id] { return cached }
        try streamName.bind([.integer(id)])
        defer { streamName.reset() }
        var name: [UInt8]?
        if try streamName.step(), !streamName.isNull(at: 0) {
            name = streamName.withUnsafeBytes(at: 0) { Array($0) }
        }
        if streamNames.count >= Self.streamCacheLimit { streamNames.removeAll(keepingCapacity: true) }
        streamNames[id] = name
        return name
    }
    func end() { try? connection.execute("COMMIT") }

    /// Checks the row the statement is on. The body is read in place (no copy) and the checks
    /// allocate only for findings, so millions of rows cost little more than hashing them.
    func check(_ row: Statement) throws -> CheckedRow {
        var findings: [CheckedRow.Problem] = []
        var scanned = false
        let position = row.int64(at: Column.position)
        let (recordedHash, hashColumnCount) = row.withUnsafeBytes(at: Column.hash) { (try? SHA256Digest(bytes: $0), $0.count) }
        let entry: ChainEntry = try row.withUnsafeBytes(at: Column.body) { raw in
            let body = raw.bindMemory(to: UInt8.self)
            let computed = hasher.hash(raw: raw)
            let recorded = recordedHash ?? computed
            if recordedHash == nil {
                findings.append((position, .columnMismatch, "the hash column holds \(hashColumnCount) bytes, not 32"))
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
                findings.append((position, .modified, "the stored bytes at storage position \(position) are not a ledger envelope: \(reason)"))
                return ChainEntry(seq: position, position: position, hash: recorded, prev: nil, recordedAt: nil)
            }
            if computed != recorded {
                // The bytes are not what was recorded; comparing columns with them would only repeat that.
                findings.append((header.seq, .modified, "the stored bytes hash to \(computed.hex), but \(recorded.hex) was recorded"))
            } else if let mismatch = try columnMismatch(row, body: body, header: header) {
                findings.append((header.seq, .columnMismatch, mismatch))
            }
            scanned = true
            return ChainEntry(seq: header.seq, position: position, hash: recorded,
                              prev: SHA256Digest(lowercaseHex: UnsafeRawBufferPointer(rebasing: raw[header.prev])),
                              recordedAt: Timestamp(canonicalBytes: UnsafeBufferPointer(rebasing: body[header.recordedAt])))
        }
        return CheckedRow(entry: entry, findings: findings, scanned: scanned)
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
            guard !row.isNull(at: column), let range else { return row.isNull(at: column) && range == nil }
            return row.withUnsafeBytes(at: column) { Self.equal($0, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: body[range]))) }
        }
        var wrong: [String] = []
        let streamName = try name(ofStream: row.int64(at: Column.streamID))
        let streamMatches = streamName?.withUnsafeBytes { Self.equal($0, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: body[header.stream]))) } ?? false
        if !streamMatches {
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
