import Crypto
import Dispatch

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
    /// Rows are fetched in batches of `StoredBatch.capacity`; a large batch is scanned on two
    /// threads (the scan costs more than fetching), then handed to `body` one event at a time, in
    /// seq order, on the calling thread.
    public func readStored(_ query: EventQuery = EventQuery(), _ body: (StoredEvent) throws -> Bool) throws {
        try withSnapshot { connection in
            let (text, values) = query.sql
            let statement = try connection.cached(text)
            try statement.bind(values)
            defer { statement.reset() }
            let batch = StoredBatch()
            var more = true
            while more {
                batch.removeAll()
                while batch.count < StoredBatch.capacity, try statement.step() {
                    batch.append(seq: statement.int64(at: 0), bytes: statement.blob(at: 2),
                                 hash: statement.withUnsafeBytes(at: 1) { try? SHA256Digest(bytes: $0) })
                }
                more = batch.count == StoredBatch.capacity
                batch.scan()
                for index in 0..<batch.count {
                    guard let event = batch.event(at: index) else {
                        throw StoreError.corruptEvent(seq: batch.seq(at: index), reason: "its stored bytes or hash are malformed")
                    }
                    if try !body(event) { return }
                }
            }
        }
    }
}

/// Rows fetched for `readStored`, scanned together. The scan of each row writes only that
/// row's own header slot, so two threads can scan disjoint halves without locking.
final class StoredBatch: @unchecked Sendable {
    static let capacity = 512
    /// Below this many rows a batch is scanned on the calling thread alone.
    static let parallelThreshold = 128

    private var seqs: [Int64] = []
    private var bytes: [[UInt8]] = []
    private var hashes: [SHA256Digest?] = []
    private let headers = UnsafeMutableBufferPointer<EnvelopeScanner.Header?>.allocate(capacity: StoredBatch.capacity)

    init() {
        seqs.reserveCapacity(Self.capacity)
        bytes.reserveCapacity(Self.capacity)
        hashes.reserveCapacity(Self.capacity)
        headers.initialize(repeating: nil)
    }

    deinit { headers.deallocate() }

    var count: Int { seqs.count }

    func removeAll() {
        seqs.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
    }

    func append(seq: Int64, bytes row: [UInt8], hash: SHA256Digest?) {
        seqs.append(seq)
        bytes.append(row)
        hashes.append(hash)
    }

    /// Scans every row's bytes into its header slot.
    func scan() {
        let count = self.count
        guard count >= Self.parallelThreshold else {
            scan(0..<count)
            return
        }
        let half = count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            scan(part == 0 ? 0..<half : half..<count)
        }
    }

    private func scan(_ range: Range<Int>) {
        for index in range { headers[index] = EnvelopeScanner.scan(bytes[index]) }
    }

    func seq(at index: Int) -> Int64 { seqs[index] }

    /// The event at `index`, or nil when its bytes or hash are malformed.
    func event(at index: Int) -> StoredEvent? {
        guard let hash = hashes[index], let header = headers[index] else { return nil }
        return StoredEvent(canonicalBytes: bytes[index], hash: hash, header: header)
    }
}
