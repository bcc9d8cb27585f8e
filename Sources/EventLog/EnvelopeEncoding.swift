import CanonicalJSON
import Crypto

/// The append path's serializer: the envelope's canonical bytes written in one pass.
///
/// Guarantee: the result is byte for byte `jsonValue.canonicalBytes` (RFC 8785), which is the
/// reference definition; `EnvelopeEncodingTests` compares the two on many random envelopes. The
/// members are written in their fixed canonical order (UTF-16 order of the member names, which
/// are ASCII), each value through the same writer the reference uses, so no intermediate
/// `JSONValue` tree is built and the payload is serialized once, straight into the output.
extension EventEnvelope {
    /// The RFC 8785 bytes that are stored and hashed.
    public var canonicalBytes: [UInt8] { canonicalBytes(sharing: SharedFragments(actor: actor, recordedAt: recordedAt)) }

    /// Canonical pieces that every event of one append has in common, serialized once per batch.
    struct SharedFragments {
        /// The canonical `actor` object.
        let actor: [UInt8]
        /// The canonical `recordedAt` string, quotes included.
        let recordedAt: [UInt8]

        init(actor: Actor, recordedAt: Timestamp) {
            self.actor = actor.jsonValue.canonicalBytes
            self.recordedAt = JSONValue.string(recordedAt.rfc3339).canonicalBytes
        }

        /// Whether these fragments were made for `actor` and `recordedAt`.
        func matches(actor: Actor, recordedAt: Timestamp) -> Bool {
            self.actor == actor.jsonValue.canonicalBytes && self.recordedAt == JSONValue.string(recordedAt.rfc3339).canonicalBytes
        }
    }

    /// `canonicalBytes` with the batch's shared pieces already serialized.
    /// - Precondition: `shared` was made for this envelope's `actor` and `recordedAt`.
    func canonicalBytes(sharing shared: SharedFragments) -> [UInt8] {
        CanonicalComposer.compose { out in
            // Member names in canonical order: actor, causationId, correlationId, idempotencyKey,
            // occurredAt, payload, prev, recordedAt, schemaVersion, seq, stream, streamVersion, type.
            out.literal(#"{"actor":"#)
            out.literal(shared.actor)
            if let causationId {
                out.literal(#","causationId":"#)
                out.string(causationId)
            }
            if let correlationId {
                out.literal(#","correlationId":"#)
                out.string(correlationId)
            }
            if let idempotencyKey {
                out.literal(#","idempotencyKey":"#)
                out.string(idempotencyKey)
            }
            if let occurredAt {
                out.literal(#","occurredAt":"#)
                out.string(occurredAt)
            }
            out.literal(#","payload":"#)
            out.object(payload)
            // `prev` is 64 lowercase hex digits: nothing in it needs escaping.
            out.literal(#","prev":""#)
            out.literal(count: 2 * SHA256Digest.byteCount) { prev.writeHex(into: $0) }
            out.literal(#"","recordedAt":"#)
            out.literal(shared.recordedAt)
            out.literal(#","schemaVersion":"#)
            out.integer(schemaVersion)
            out.literal(#","seq":"#)
            out.integer(seq)
            out.literal(#","stream":"#)
            out.string(stream)
            out.literal(#","streamVersion":"#)
            out.integer(streamVersion)
            out.literal(#","type":"#)
            out.string(type)
            out.literal("}")
        }
    }
}
