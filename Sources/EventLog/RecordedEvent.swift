import CanonicalJSON
import Crypto

/// An event as stored: its canonical bytes (the truth), the envelope decoded from them, and the
/// SHA-256 of the bytes.
public struct RecordedEvent: Sendable, Hashable {
    public let envelope: EventEnvelope
    public let hash: SHA256Digest
    /// The stored canonical bytes; `hash` is their SHA-256 and the Merkle leaf is built from them.
    public let canonicalBytes: [UInt8]

    public init(envelope: EventEnvelope, hash: SHA256Digest, canonicalBytes: [UInt8]) {
        self.envelope = envelope
        self.hash = hash
        self.canonicalBytes = canonicalBytes
    }

    public var seq: Int64 { envelope.seq }

    /// The export form: the envelope with `hash` added, canonical, on one line (no newline).
    public var exportJSON: JSONValue {
        guard case var .object(o) = envelope.jsonValue else { preconditionFailure("an envelope is an object") }
        o["hash"] = .string(hash.hex)
        return .object(o)
    }

    /// Decodes one export line, checking that `hash` is the SHA-256 of the rest.
    public init(exportLine: [UInt8], hasher: SHA256Hasher) throws(EnvelopeError) {
        let value: JSONValue
        do { value = try JSONValue.parse(exportLine) } catch { throw .notJSON(error.description) }
        guard case var .object(o) = value, case let .string(hashHex)? = o["hash"] else {
            throw .missingMember(pointer: "/hash")
        }
        o["hash"] = nil
        let envelope = try EventEnvelope(json: .object(o))
        let bytes = envelope.canonicalBytes
        let hash = hasher.hash(bytes)
        guard hash.hex == hashHex else {
            throw .invalidValue(pointer: "/hash", reason: "is \(hashHex) but the envelope hashes to \(hash.hex)")
        }
        self.init(envelope: envelope, hash: hash, canonicalBytes: bytes)
    }
}
