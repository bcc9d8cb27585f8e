import Crypto

/// Everything that can be wrong with a signed note, a key, a checkpoint or a cosignature.
/// Each message says where (line numbers count from 1 over the whole note) and what the
/// format expects, so the operator can fix the input or the trust configuration.
public enum NoteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A note breaks the signed-note format at `line`.
    case malformedNote(line: Int, reason: String)
    /// A note would have no signature line; the format requires at least one.
    case noSignatures
    /// More signature lines than `SignedNote.maximumSignatures`.
    case tooManySignatures(Int)
    /// Text offered for signing cannot be a note text.
    case invalidText(String)
    /// A key or signer name that the format forbids.
    case invalidKeyName(name: String, reason: String)
    /// A verifier or signer key string that cannot be decoded. Never echoes private keys.
    case malformedKey(String)
    /// An encoded key states a key ID that does not belong to its name and public key.
    case keyIDMismatch(name: String, stated: UInt32, computed: UInt32)
    /// A checkpoint body breaks the tlog-checkpoint format at `line` (1 = origin).
    case malformedCheckpoint(line: Int, reason: String)
    /// A signature from a trusted key did not verify: the note was altered or forged.
    case invalidSignature(name: String, keyID: UInt32)
    /// No signature on the note comes from a trusted key; `signers` lists who did sign.
    case noTrustedSignature(signers: [String])
    /// Two trusted keys share a name and key ID, so a signature cannot be attributed.
    case ambiguousKey(name: String, keyID: UInt32)
    /// The note carries no signature line from the expected key.
    case missingSignature(name: String, keyID: UInt32)
    /// A signature was checked against a key it does not claim to come from.
    case wrongSigner(expected: String, found: String)
    /// A cosignature line whose payload is not a cosignature/v1 timestamped signature.
    case malformedCosignature(name: String, reason: String)
    /// The cryptographic layer failed (for instance while signing).
    case crypto(CryptoError)

    public var description: String {
        switch self {
        case let .malformedNote(line, reason):
            return "malformed signed note, line \(line): \(reason)"
        case .noSignatures:
            return "a signed note needs at least one signature line"
        case let .tooManySignatures(count):
            return "signed note has \(count) signature lines; at most \(SignedNote.maximumSignatures) are accepted"
        case let .invalidText(reason):
            return "cannot be signed as a note: \(reason)"
        case let .invalidKeyName(name, reason):
            return "invalid key name \"\(name)\": \(reason)"
        case let .malformedKey(reason):
            return "malformed key: \(reason)"
        case let .keyIDMismatch(name, stated, computed):
            return "key \(name) states key ID \(NoteKeyEncoding.hex(stated)) but its public key gives "
                + "\(NoteKeyEncoding.hex(computed)); the key string is corrupt or was edited"
        case let .malformedCheckpoint(line, reason):
            return "malformed checkpoint, line \(line): \(reason)"
        case let .invalidSignature(name, keyID):
            return "signature by trusted key \(name)+\(NoteKeyEncoding.hex(keyID)) does not verify: "
                + "the note was altered or the signature forged"
        case let .noTrustedSignature(signers):
            let who = signers.isEmpty ? "nobody" : signers.joined(separator: ", ")
            return "no signature from a trusted key (signed by \(who)); check the note's origin and the configured keys"
        case let .ambiguousKey(name, keyID):
            return "two trusted keys are named \(name) with key ID \(NoteKeyEncoding.hex(keyID)); remove one from the configuration"
        case let .missingSignature(name, keyID):
            return "the note has no signature from \(name)+\(NoteKeyEncoding.hex(keyID))"
        case let .wrongSigner(expected, found):
            return "signature is by \(found), not by the expected key \(expected)"
        case let .malformedCosignature(name, reason):
            return "malformed cosignature from \(name): \(reason)"
        case let .crypto(error):
            return error.description
        }
    }
}
