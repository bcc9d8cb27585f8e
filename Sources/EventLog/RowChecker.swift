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
    static let position: Int32 = 0, stream: Int32 = 1, streamVersion: Int32 = 2, type: Int32 = 3, recordedAt: Int32 = 4,
               idempotencyKey: Int32 = 5, hash: Int32 = 6, body: Int32 = 7
}

/// Checks rows of one read connection. Each checker belongs to one thread at a time: the
/// verifier hands a range of rows to each and waits for all before using the results.
final class RowChecker: @unchecked Sendable {
    let connection: Connection
    private let rows: Statement
    private let hasher: SHA256Hasher

    init(path: String) throws {
        connection = try Connection(path: path, mode: .readOnly)
        connection.setBusyTimeout(milliseconds: 10_000)
        // Rows are read once, in order: a small page cache keeps memory flat over millions of them.
        try connection.execute("PRAGMA cache_size = -2000")
        rows = try connection.prepare("""
            SELECT e.seq, s.name, e.stream_version, e.type, e.recorded_at, e.idempotency_key, e.hash, e.body
            FROM events AS e LEFT JOIN streams AS s ON s.id = e.stream_id WHERE e.seq BETWEEN ?1 AND ?2 ORDER BY e.seq
            """)
        hasher = try SHA256Hasher()
    }

    /// Every row whose seq column lies in `range`, in storage order.
    func check(_ range: ClosedRange<Int64>) throws -> [CheckedRow] {
        try rows.bind([.integer(range.lowerBound), .integer(range.upperBound)])
        defer { rows.reset() }
        var result: [CheckedRow] = []
        result.reserveCapacity(Int(range.count))
        while try rows.step() { result.append(check(rows)) }
        return result
    }

    func begin() throws { try connection.execute("BEGIN DEFERRED") }
    func end() { try? connection.execute("COMMIT") }

    /// Checks the row the statement is on. The body is read in place (no copy) and the checks
    /// allocate only for findings, so millions of rows cost little more than hashing them.
    func check(_ row: Statement) -> CheckedRow {
        var findings: [CheckedRow.Problem] = []
        var scanned = false
        let position = row.int64(at: Column.position)
        let (recordedHash, hashColumnCount) = row.withUnsafeBytes(at: Column.hash) { (try? SHA256Digest(bytes: $0), $0.count) }
        let entry: ChainEntry = row.withUnsafeBytes(at: Column.body) { raw in
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
            } else if let mismatch = columnMismatch(row, body: body, header: header) {
                findings.append((header.seq, .columnMismatch, mismatch))
            }
            scanned = true
            return ChainEntry(seq: header.seq, position: position, hash: recorded,
                              prev: SHA256Digest(lowercaseHex: UnsafeRawBufferPointer(rebasing: raw[header.prev])),
                              recordedAt: Timestamp(canonicalBytes: UnsafeBufferPointer(rebasing: body[header.recordedAt])))
        }
        return CheckedRow(entry: entry, findings: findings, scanned: scanned)
    }

    /// What is wrong with the index columns, or nil when they agree with the bytes.
    private func columnMismatch(_ row: Statement, body: UnsafeBufferPointer<UInt8>, header: EnvelopeScanner.Header) -> String? {
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
        return wrong.isEmpty ? nil : "index columns disagree with the stored bytes: " + wrong.joined(separator: ", ")
    }

}
