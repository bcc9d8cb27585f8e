import Crypto

/// A C2SP tlog-cosignature, Ed25519 cosignature/v1: a witness's statement that, at
/// `timestamp`, the checkpoint was the largest consistent tree it had seen for the log.
///
/// The witness signs `"cosignature/v1\ntime <timestamp>\n" + checkpoint body` and the
/// signature line carries `key ID ‖ 8-byte big-endian timestamp ‖ 64-byte signature`,
/// with key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4].
public struct Cosignature: Sendable, Hashable {
    /// The domain-separation header line.
    public static let header = "cosignature/v1"
    /// tlog-cosignature: a timestamp must not exceed 2^63 − 1.
    public static let maximumTimestamp = UInt64(Int64.max)
    static let payloadByteCount = 8 + Ed25519PublicKey.signatureByteCount

    /// POSIX seconds at which the witness signed.
    public let timestamp: UInt64
    /// The 64-byte Ed25519 signature over `signedMessage(body:timestamp:)`.
    public let signature: [UInt8]

    /// The exact bytes a cosigner signs for a checkpoint body at `timestamp`.
    public static func signedMessage(body: String, timestamp: UInt64) -> String {
        "\(header)\ntime \(timestamp)\n\(body)"
    }

    /// Cosigns `checkpoint` at `time` (POSIX seconds) as the witness `name`, producing the
    /// signature line to add to the checkpoint note with `SignedNote.adding(signature:)`.
    public static func cosign(
        checkpoint: Checkpoint, name: String, key: Ed25519PrivateKey, time: UInt64
    ) throws(NoteError) -> NoteSignature {
        guard time <= maximumTimestamp else {
            throw .malformedCosignature(name: name, reason: "timestamp \(time) exceeds 2^63-1")
        }
        let cosigner = try CosignatureVerifierKey(name: name, publicKey: key.publicKey)
        let message = Array(signedMessage(body: checkpoint.body, timestamp: time).utf8)
        let signature: [UInt8]
        do {
            signature = try key.signature(for: message)
        } catch {
            throw .crypto(error)
        }
        return try NoteSignature(
            name: cosigner.name, keyID: cosigner.keyID,
            signature: bigEndian(time) + signature)
    }

    /// Decodes a signature line's payload: an 8-byte timestamp and a 64-byte signature.
    public init(_ line: NoteSignature) throws(NoteError) {
        guard line.signature.count == Self.payloadByteCount else {
            throw .malformedCosignature(
                name: line.name,
                reason: "carries \(line.signature.count) bytes after the key ID; cosignature/v1 is an 8-byte timestamp and a 64-byte signature (72)")
        }
        let timestamp = line.signature[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard timestamp <= Self.maximumTimestamp else {
            throw .malformedCosignature(name: line.name, reason: "timestamp \(timestamp) exceeds 2^63-1")
        }
        self.timestamp = timestamp
        self.signature = Array(line.signature[8...])
    }

    /// Verifies that `line` is `cosigner`'s valid cosignature of `checkpoint` and returns its
    /// timestamp. Callers decide whether a timestamp is too old or in the future.
    public static func verify(
        _ line: NoteSignature, checkpoint: Checkpoint, cosigner: CosignatureVerifierKey
    ) throws(NoteError) -> UInt64 {
        guard line.name == cosigner.name, line.keyID == cosigner.keyID else {
            throw .wrongSigner(
                expected: "\(cosigner.name)+\(NoteKeyEncoding.hex(cosigner.keyID))",
                found: "\(line.name)+\(NoteKeyEncoding.hex(line.keyID))")
        }
        let cosignature = try Cosignature(line)
        let message = Array(signedMessage(body: checkpoint.body, timestamp: cosignature.timestamp).utf8)
        guard cosigner.publicKey.isValidSignature(cosignature.signature, for: message) else {
            throw .invalidSignature(name: line.name, keyID: line.keyID)
        }
        return cosignature.timestamp
    }

    /// Finds `cosigner`'s lines in a checkpoint note, verifies every one, and returns the
    /// latest timestamp. The note's text must be a checkpoint.
    public static func verify(in note: SignedNote, cosigner: CosignatureVerifierKey) throws(NoteError) -> UInt64 {
        let lines = note.signatures.filter { $0.name == cosigner.name && $0.keyID == cosigner.keyID }
        guard !lines.isEmpty else { throw .missingSignature(name: cosigner.name, keyID: cosigner.keyID) }
        let checkpoint = try Checkpoint.parse(body: note.text)
        var latest: UInt64 = 0
        for line in lines {
            latest = max(latest, try verify(line, checkpoint: checkpoint, cosigner: cosigner))
        }
        return latest
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
