import Crypto
import Dispatch
import SQLite

/// An event as stored, read without decoding its payload: the canonical bytes, their recorded
/// hash, and the envelope's header members found by one scan of the bytes. Exports, logs and
/// bulk reads use it; `decoded()` gives the full `RecordedEvent` when the payload is needed.
public struct StoredEvent: Sendable {
    public let canonicalBytes: [UInt8]
    public let hash: SHA256Digest
    let header: EnvelopeScanner.Header

    public var seq: Int64 { header.seq }
    public var streamVersion: Int64 { header.streamVersion }
    public var stream: String { String(decoding: canonicalBytes[header.stream], as: UTF8.self) }
    public var type: String { String(decoding: canonicalBytes[header.type], as: UTF8.self) }

    /// The export line (without its newline): the canonical envelope with `hash` added in its
    /// sorted place. Spliced into the stored bytes, which is exactly RFC 8785 of the envelope
    /// plus that member, since "hash" sorts right before "idempotencyKey" and its successors.
    public var exportBytes: [UInt8] {
        let insertion = header.hashInsertionPoint
        var out: [UInt8] = []
        out.reserveCapacity(canonicalBytes.count + 76)
        out.append(contentsOf: canonicalBytes[..<insertion])
        out.append(contentsOf: Array("\"hash\":\"".utf8))
        out.append(contentsOf: Array(hash.hex.utf8))
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ",")])
        out.append(contentsOf: canonicalBytes[insertion...])
        return out
    }

    /// The full envelope, payload included.
    public func decoded() throws(StoreError) -> RecordedEvent {
        do {
            return RecordedEvent(envelope: try EventEnvelope(canonicalBytes: canonicalBytes), hash: hash, canonicalBytes: canonicalBytes)
        } catch {
            throw .corruptEvent(seq: seq, reason: error.description)
        }
    }
}

extension EventStore {
    /// Streams matching events as stored bytes with their scanned header, in constant memory and
    /// without decoding payloads. A row whose bytes are not a canonical envelope stops the read
    /// with `StoreError.corruptEvent` naming its seq, after every row before it was delivered.
    ///
    /// Rows are fetched in batches of `StoredBatch.capacity`. When there is more than one batch,
    /// a second thread steps SQLite and copies rows out while the calling thread scans and
    /// delivers the batch before: the two halves of the work cost about the same, so a long read
    /// runs on both cores. At most `StoredBatch.readAhead` batches wait ahead of the caller, and
    /// the fetching thread has stopped before this returns or throws, whatever `body` does.
    public func readStored(_ query: EventQuery = EventQuery(), _ body: (StoredEvent) throws -> Bool) throws {
        try withSnapshot { connection in
            let (text, values) = query.sql
            let statement = try connection.cached(text)
            try statement.bind(values)
            defer { statement.reset() }
            let source = StoredRowSource(statement)
            let first = try source.fill()
            guard try first.deliver(body), first.count == StoredBatch.capacity else { return }
            // More rows than one batch: fetch the rest on another thread, ahead of the scan.
            let pipeline = ChunkPipeline<StoredBatch>(window: StoredBatch.readAhead)
            let fetcher = DispatchGroup()
            fetcher.runOnOwnThread {
                var index = 0
                while !pipeline.isCancelled {
                    let batch = Result { try source.fill() }
                    guard pipeline.put(index, batch) else { return }
                    guard case let .success(filled) = batch, filled.count == StoredBatch.capacity else { return }
                    index += 1
                }
            }
            defer {
                pipeline.cancel()
                fetcher.wait()
            }
            var index = 0
            while true {
                let batch = try pipeline.take(index)
                guard try batch.deliver(body), batch.count == StoredBatch.capacity else { return }
                index += 1
            }
        }
    }
}

/// The statement of one `readStored` call, stepped by one thread at a time: the caller for the
/// first batch, then the fetching thread alone until the caller has waited for it to finish.
final class StoredRowSource: @unchecked Sendable {
    private let statement: Statement

    init(_ statement: Statement) { self.statement = statement }

    /// The next rows, up to `StoredBatch.capacity`; fewer only when the statement is done.
    func fill() throws -> StoredBatch {
        let batch = StoredBatch()
        while batch.count < StoredBatch.capacity, try statement.step() {
            batch.append(seq: statement.int64(at: 0), bytes: statement.blob(at: 2),
                         hash: statement.withUnsafeBytes(at: 1) { try? SHA256Digest(bytes: $0) })
        }
        return batch
    }
}

/// Rows fetched for `readStored`, copied out of SQLite and ready to be scanned and delivered.
final class StoredBatch: @unchecked Sendable {
    static let capacity = 512
    /// Filled batches that may wait for the caller: enough to ride out a slow `body` call
    /// without holding more than a few hundred KiB.
    static let readAhead = 2

    private var seqs: [Int64] = []
    private var bytes: [[UInt8]] = []
    private var hashes: [SHA256Digest?] = []

    init() {
        seqs.reserveCapacity(Self.capacity)
        bytes.reserveCapacity(Self.capacity)
        hashes.reserveCapacity(Self.capacity)
    }

    var count: Int { seqs.count }

    func append(seq: Int64, bytes row: [UInt8], hash: SHA256Digest?) {
        seqs.append(seq)
        bytes.append(row)
        hashes.append(hash)
    }

    /// Scans each row and hands it to `body` in order; false when `body` asked to stop.
    /// Throws `corruptEvent` at the first row whose bytes or hash are malformed.
    func deliver(_ body: (StoredEvent) throws -> Bool) throws -> Bool {
        var memo = EnvelopeScanner.Memo()
        for index in 0..<count {
            guard let hash = hashes[index], let header = EnvelopeScanner.scan(bytes[index], memo: &memo) else {
                throw StoreError.corruptEvent(seq: seqs[index], reason: "its stored bytes or hash are malformed")
            }
            if try !body(StoredEvent(canonicalBytes: bytes[index], hash: hash, header: header)) { return false }
        }
        return true
    }
}
