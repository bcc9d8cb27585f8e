import Crypto

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
    /// with `StoreError.corruptEvent` naming its seq.
    public func readStored(_ query: EventQuery = EventQuery(), _ body: (StoredEvent) throws -> Bool) throws {
        try withSnapshot { connection in
            let (text, values) = query.sql
            let statement = try connection.cached(text)
            try statement.bind(values)
            defer { statement.reset() }
            while try statement.step() {
                let seq = statement.int64(at: 0)
                let bytes = statement.blob(at: 2)
                guard let hash = statement.withUnsafeBytes(at: 1, { try? SHA256Digest(bytes: $0) }), let header = EnvelopeScanner.scan(bytes) else {
                    throw StoreError.corruptEvent(seq: seq, reason: "its stored bytes or hash are malformed")
                }
                if try !body(StoredEvent(canonicalBytes: bytes, hash: hash, header: header)) { break }
            }
        }
    }
}
