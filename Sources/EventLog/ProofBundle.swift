import CanonicalJSON
import Crypto
import Transparency

/// A proof bundle (spec §8): one canonical JSON object that anyone holding the ledger's verifier
/// key can check offline, without the ledger.
public enum ProofBundle: Sendable, Equatable {
    /// An event, its audit path, and the signed checkpoint whose tree includes it.
    case inclusion(InclusionProofBundle)
    /// Two signed checkpoints and the proof that the older tree is a prefix of the newer one.
    case consistency(ConsistencyProofBundle)

    public static let format = "oda-ledger-proof/1"

    /// The bundle as a JSON object, members as spec §8 lists them.
    public var json: JSONValue {
        var object = JSONObject()
        object["format"] = .string(Self.format)
        switch self {
        case let .inclusion(bundle):
            object["kind"] = "inclusion"
            object["checkpoint"] = .string(bundle.checkpoint)
            object["event"] = .object(bundle.event)
            object["leafIndex"] = .integer(bundle.leafIndex)
            object["treeSize"] = .integer(bundle.treeSize)
            object["proof"] = .array(bundle.proof.map { .string($0.hex) })
        case let .consistency(bundle):
            object["kind"] = "consistency"
            object["oldCheckpoint"] = .string(bundle.oldCheckpoint)
            object["newCheckpoint"] = .string(bundle.newCheckpoint)
            object["oldSize"] = .integer(bundle.oldSize)
            object["newSize"] = .integer(bundle.newSize)
            object["proof"] = .array(bundle.proof.map { .string($0.hex) })
        }
        return .object(object)
    }

    /// The bytes of a bundle file: RFC 8785 canonical form, no trailing newline.
    public var canonicalBytes: [UInt8] { json.canonicalBytes }

    /// Reads a bundle: canonical JSON (one final line feed tolerated), the members of its kind
    /// and no others, sizes and hashes well formed. Checks nothing cryptographic: see `verify`.
    public static func parse(_ bytes: [UInt8]) throws(ProofBundleError) -> ProofBundle {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw .malformed("not valid JSON: \(error)")
        }
        guard case let .object(object) = value else { throw .malformed("a bundle is a JSON object") }
        let content = bytes.last == 0x0A ? Array(bytes.dropLast()) : bytes
        guard value.canonicalBytes == content else { throw .malformed("the bundle is not in RFC 8785 canonical form") }
        guard object["format"]?.stringValue == format else {
            throw .malformed("format must be \(format), not \(object["format"].map(\.description) ?? "missing")")
        }
        switch object["kind"]?.stringValue {
        case "inclusion":
            try members(object, ["checkpoint", "event", "format", "kind", "leafIndex", "proof", "treeSize"])
            guard case let .object(event)? = object["event"] else { throw .malformed("event must be an object (an export line)") }
            return .inclusion(InclusionProofBundle(
                checkpoint: try string(object, "checkpoint"), event: event, leafIndex: try integer(object, "leafIndex", minimum: 0),
                treeSize: try integer(object, "treeSize", minimum: 1), proof: try hashes(object)))
        case "consistency":
            try members(object, ["format", "kind", "newCheckpoint", "newSize", "oldCheckpoint", "oldSize", "proof"])
            return .consistency(ConsistencyProofBundle(
                oldCheckpoint: try string(object, "oldCheckpoint"), newCheckpoint: try string(object, "newCheckpoint"),
                oldSize: try integer(object, "oldSize", minimum: 1), newSize: try integer(object, "newSize", minimum: 1),
                proof: try hashes(object)))
        default:
            throw .malformed("kind must be inclusion or consistency, not \(object["kind"].map(\.description) ?? "missing")")
        }
    }

    /// Checks the bundle as spec §8 says, trusting `keys` (the ledger's verifier key, or the keys
    /// a rotation history reaches). Returns the trusted keys that signed its checkpoint(s).
    @discardableResult
    public func verify(trusting keys: [NoteVerifierKey]) throws(ProofBundleError) -> [NoteVerifierKey] {
        let hasher: SHA256Hasher
        do { hasher = try SHA256Hasher() } catch { throw .malformed("SHA-256 unavailable: \(error)") }
        switch self {
        case let .inclusion(bundle):
            let (checkpoint, signers) = try Self.open(bundle.checkpoint, member: "checkpoint", size: bundle.treeSize, keys)
            let event: RecordedEvent
            do {
                event = try RecordedEvent(exportLine: JSONValue.object(bundle.event).canonicalBytes, hasher: hasher)
            } catch {
                throw .badEvent(error.description)
            }
            guard event.seq == bundle.leafIndex + 1 else { throw .leafIndexMismatch(leafIndex: bundle.leafIndex, seq: event.seq) }
            do {
                try MerkleVerification.verifyInclusion(
                    leafHash: MerkleHash.leaf(event.canonicalBytes, using: hasher), leafIndex: UInt64(bundle.leafIndex),
                    treeSize: UInt64(bundle.treeSize), proof: bundle.proof, root: checkpoint.root, using: hasher)
            } catch {
                throw .proofRejected(error)
            }
            return signers
        case let .consistency(bundle):
            let (old, oldSigners) = try Self.open(bundle.oldCheckpoint, member: "oldCheckpoint", size: bundle.oldSize, keys)
            let (new, newSigners) = try Self.open(bundle.newCheckpoint, member: "newCheckpoint", size: bundle.newSize, keys)
            guard old.origin == new.origin else {
                throw .badCheckpoint(member: "newCheckpoint", reason: "its origin \(new.origin) is not the old checkpoint's \(old.origin)")
            }
            do {
                try MerkleVerification.verifyConsistency(
                    oldSize: UInt64(bundle.oldSize), newSize: UInt64(bundle.newSize), oldRoot: old.root, newRoot: new.root,
                    proof: bundle.proof, using: hasher)
            } catch {
                throw .proofRejected(error)
            }
            return oldSigners + newSigners.filter { !oldSigners.contains($0) }
        }
    }

    /// A checkpoint note of the bundle, signed by a trusted key named as its origin, of `size`.
    private static func open(_ text: String, member: String, size: Int64, _ keys: [NoteVerifierKey])
        throws(ProofBundleError) -> (checkpoint: (origin: String, root: SHA256Digest), signers: [NoteVerifierKey]) {
        let signers: [NoteVerifierKey]
        let checkpoint: Checkpoint
        do {
            let note = try SignedNote.parse(text)
            signers = try note.verify(trusting: keys)
            checkpoint = try Checkpoint.parse(body: note.text)
        } catch {
            throw .untrustedCheckpoint(member: member, error)
        }
        guard checkpoint.origin.hasPrefix("oda-ledger/"), signers.allSatisfy({ $0.name == checkpoint.origin }) else {
            throw .badCheckpoint(member: member, reason: "its origin \(checkpoint.origin) is not the name of the key that signed it")
        }
        guard checkpoint.size == UInt64(size) else {
            throw .badCheckpoint(member: member, reason: "it commits to size \(checkpoint.size), the bundle says \(size)")
        }
        do {
            return ((checkpoint.origin, try SHA256Digest(bytes: checkpoint.rootHash)), signers)
        } catch {
            throw .badCheckpoint(member: member, reason: "\(error)")
        }
    }

    private static func members(_ object: JSONObject, _ expected: Set<String>) throws(ProofBundleError) {
        let present = Set(object.keys)
        guard present == expected else {
            let missing = expected.subtracting(present).sorted(), extra = present.subtracting(expected).sorted()
            throw .malformed("missing members \(missing), unknown members \(extra)")
        }
    }

    private static func string(_ object: JSONObject, _ member: String) throws(ProofBundleError) -> String {
        guard let text = object[member]?.stringValue else { throw .malformed("\(member) must be a string (a signed note)") }
        return text
    }

    private static func integer(_ object: JSONObject, _ member: String, minimum: Int64) throws(ProofBundleError) -> Int64 {
        guard let value = object[member]?.integerValue, value >= minimum else {
            throw .malformed("\(member) must be an integer of at least \(minimum)")
        }
        return value
    }

    private static func hashes(_ object: JSONObject) throws(ProofBundleError) -> [SHA256Digest] {
        guard let items = object["proof"]?.arrayValue else { throw .malformed("proof must be an array of hashes") }
        var proof: [SHA256Digest] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue, text.utf8.count == 64, text == text.lowercased(),
                  let digest = try? SHA256Digest(hex: text) else {
                throw .malformed("proof[\(index)] must be 64 lowercase hex digits")
            }
            proof.append(digest)
        }
        return proof
    }
}

/// Spec §8 inclusion bundle: `event` is the export line object (with `hash`) of seq `leafIndex + 1`.
public struct InclusionProofBundle: Sendable, Equatable {
    /// The signed note, as served (cosignature lines included).
    public let checkpoint: String
    public let event: JSONObject
    public let leafIndex: Int64
    public let treeSize: Int64
    public let proof: [SHA256Digest]

    public init(checkpoint: String, event: JSONObject, leafIndex: Int64, treeSize: Int64, proof: [SHA256Digest]) {
        self.checkpoint = checkpoint
        self.event = event
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.proof = proof
    }
}

/// Spec §8 consistency bundle between the trees of `oldSize` and `newSize` events.
public struct ConsistencyProofBundle: Sendable, Equatable {
    public let oldCheckpoint: String
    public let newCheckpoint: String
    public let oldSize: Int64
    public let newSize: Int64
    public let proof: [SHA256Digest]

    public init(oldCheckpoint: String, newCheckpoint: String, oldSize: Int64, newSize: Int64, proof: [SHA256Digest]) {
        self.oldCheckpoint = oldCheckpoint
        self.newCheckpoint = newCheckpoint
        self.oldSize = oldSize
        self.newSize = newSize
        self.proof = proof
    }
}

/// Why a proof bundle does not prove what it claims. Each case names the member at fault.
public enum ProofBundleError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    /// A checkpoint note that does not parse, or is not signed by a trusted key.
    case untrustedCheckpoint(member: String, NoteError)
    case badCheckpoint(member: String, reason: String)
    /// The event is not a valid export line, or its `hash` is wrong.
    case badEvent(String)
    case leafIndexMismatch(leafIndex: Int64, seq: Int64)
    /// The Merkle proof does not lead to the signed root(s).
    case proofRejected(MerkleProofError)

    public var description: String {
        switch self {
        case let .malformed(reason): return "malformed proof bundle: \(reason)"
        case let .untrustedCheckpoint(member, error): return "\(member): \(error)"
        case let .badCheckpoint(member, reason): return "\(member): \(reason)"
        case let .badEvent(reason): return "event: \(reason)"
        case let .leafIndexMismatch(leafIndex, seq): return "leafIndex \(leafIndex) is not the event's seq − 1 (seq \(seq))"
        case let .proofRejected(error): return "the proof does not verify: \(error)"
        }
    }
}
