import Transparency

/// Which keys may sign this ledger's checkpoints, seen from the keys a verifier trusts: the
/// trusted keys themselves and every key reached from one of them through the chain of
/// `SigningKeyRotated` events in the log (spec §10).
///
/// The chain is linear: in seq order, each rotation must be signed by the key it retires, and that
/// key must be the one the previous rotation introduced. A rotation that breaks one of these rules
/// is not followed and is reported as a finding, so a thief holding a retired key cannot graft a
/// key of their own onto the chain, and a rotation written without the ledger's key never extends
/// trust. Keys are used once: a rotation back to a retired key is refused the same way.
public struct SigningKeyHistory: Sendable {
    /// A rotation that is part of the chain, and where it is in the log.
    public struct Step: Sendable, Equatable {
        public let seq: Int64
        public let rotation: KeyRotation
    }

    /// A `SigningKeyRotated` event that was not followed, and why.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public let seq: Int64
        public let detail: String
        public var description: String { "seq \(seq): \(detail)" }
    }

    /// The rotations forming the chain, in seq order.
    public let chain: [Step]
    /// Rotation events that were refused.
    public let findings: [Finding]
    /// The accepted keys: the anchors first, then the keys the chain reaches from them, in order.
    public let trusted: [NoteVerifierKey]

    /// The key the last rotation introduced: the one that should sign checkpoints now (nil when
    /// the key was never rotated).
    public var currentKey: NoteVerifierKey? { chain.last?.rotation.newKey }

    /// Follows the rotation events (`SigningKeyRotated` in stream `ledger`, in seq order) of the
    /// ledger whose origin is `origin`, starting from `anchors`.
    public init(anchors: [NoteVerifierKey], origin: String, rotationEvents: [RecordedEvent]) {
        var chain: [Step] = []
        var findings: [Finding] = []
        var used: Set<NoteVerifierKey> = []
        for event in rotationEvents.sorted(by: { $0.seq < $1.seq }) {
            let seq = event.seq
            guard event.envelope.stream == KeyRotation.stream, event.envelope.type == KeyRotation.eventType else { continue }
            guard event.envelope.schemaVersion == KeyRotation.schemaVersion else {
                findings.append(Finding(seq: seq, detail: "a key rotation of schemaVersion \(event.envelope.schemaVersion) is unknown (only \(KeyRotation.schemaVersion) is defined); not followed"))
                continue
            }
            let rotation: KeyRotation
            do {
                rotation = try KeyRotation(payload: event.envelope.payload)
            } catch {
                findings.append(Finding(seq: seq, detail: "\(error); not followed"))
                continue
            }
            guard rotation.previousKey.name == origin, rotation.newKey.name == origin else {
                findings.append(Finding(seq: seq, detail: "the rotation's keys are named \(rotation.previousKey.name) and \(rotation.newKey.name), not this ledger's origin \(origin); not followed"))
                continue
            }
            guard rotation.isSignedByPreviousKey else {
                findings.append(Finding(seq: seq, detail: "forged key rotation: it is not signed by the key it retires, \(rotation.previousKey); not followed"))
                continue
            }
            if let last = chain.last, rotation.previousKey != last.rotation.newKey {
                findings.append(Finding(seq: seq, detail: "the rotation retires \(rotation.previousKey), but the current key since seq \(last.seq) is \(last.rotation.newKey): it does not continue the chain of rotations (a retired key signed it); not followed"))
                continue
            }
            guard !used.contains(rotation.newKey), rotation.newKey != rotation.previousKey else {
                findings.append(Finding(seq: seq, detail: "the rotation reinstates \(rotation.newKey), a key already used; keys are used once; not followed"))
                continue
            }
            used.insert(rotation.previousKey)
            used.insert(rotation.newKey)
            chain.append(Step(seq: seq, rotation: rotation))
        }

        var trusted: [NoteVerifierKey] = []
        for key in anchors where !trusted.contains(key) { trusted.append(key) }
        if let first = chain.first {
            let keys = [first.rotation.previousKey] + chain.map(\.rotation.newKey)
            if let start = keys.firstIndex(where: { anchors.contains($0) }) {
                for key in keys[start...] where !trusted.contains(key) { trusted.append(key) }
            }
        }
        self.chain = chain
        self.findings = findings
        self.trusted = trusted
    }
}

extension EventStore {
    /// The `SigningKeyRotated` events of stream `ledger`, in seq order.
    public func keyRotationEvents() throws -> [RecordedEvent] {
        try events(EventQuery(stream: KeyRotation.stream, type: KeyRotation.eventType))
    }

    /// The keys that may sign this ledger's checkpoints for a verifier that trusts `anchors`.
    public func signingKeyHistory(trusting anchors: [NoteVerifierKey]) throws -> SigningKeyHistory {
        SigningKeyHistory(anchors: anchors, origin: try origin(), rotationEvents: try keyRotationEvents())
    }
}
