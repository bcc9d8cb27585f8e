import Crypto

/// An Ed25519 note-signing key with its name: what a log holds to sign its checkpoints.
///
/// Its text form is the signed-note "skey": `PRIVATE+KEY+name+keyid+base64(0x01 ‖ seed)`,
/// the format of Go's `golang.org/x/mod/sumdb/note`. The secret never appears in
/// `description` or in error messages; store `encoded` with `KeyFile.writeNew`.
public struct NoteSignerKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private static let prefix = "PRIVATE+KEY+"

    public let name: String
    public let privateKey: Ed25519PrivateKey
    /// The public half, to publish or configure in verifiers.
    public let verifierKey: NoteVerifierKey

    public init(name: String, privateKey: Ed25519PrivateKey) throws(NoteError) {
        self.verifierKey = try NoteVerifierKey(name: name, publicKey: privateKey.publicKey)
        self.name = name
        self.privateKey = privateKey
    }

    /// The key ID, shared with the matching verifier key.
    public var keyID: UInt32 { verifierKey.keyID }

    /// Parses an skey and checks that its key ID matches the public key derived from the seed.
    public init(_ encoded: String) throws(NoteError) {
        guard encoded.hasPrefix(Self.prefix) else {
            throw .malformedKey("a signer key starts with \"PRIVATE+KEY+\"")
        }
        // Names cannot contain "+" but base64 can: only the first two "+" separate fields.
        let parts = encoded.dropFirst(Self.prefix.count).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .malformedKey("a signer key is PRIVATE+KEY+name+keyid+base64key")
        }
        // Error messages quote nothing but the name, and the name only once the key ID field
        // has parsed: with fields missing, secret base64 could sit in either position.
        let stated = try NoteKeyEncoding.decodeKeyID(parts[1], what: "signer key", quote: false)
        let name = String(parts[0])
        try NoteKeyEncoding.validateName(name)
        let seed = try NoteKeyEncoding.decodeMaterial(parts[2], type: .ed25519, what: "signer key \(name)")
        let privateKey: Ed25519PrivateKey
        do {
            privateKey = try Ed25519PrivateKey(seed: seed)
        } catch {
            throw .malformedKey("signer key \(name): \(error)")
        }
        try self.init(name: name, privateKey: privateKey)
        guard keyID == stated else { throw .keyIDMismatch(name: name, stated: stated, computed: keyID) }
    }

    /// The skey text. It contains the private seed.
    public var encoded: String {
        "\(Self.prefix)\(name)+\(NoteKeyEncoding.hex(keyID))+\(NoteBase64.encode([NoteSignatureType.ed25519.rawValue] + privateKey.seed))"
    }

    /// Signs a note text (which must end in a newline) as one signature line's content.
    public func sign(_ text: String) throws(NoteError) -> NoteSignature {
        try SignedNote.validateText(text)
        let signature: [UInt8]
        do {
            signature = try privateKey.signature(for: Array(text.utf8))
        } catch {
            throw .crypto(error)
        }
        return try NoteSignature(name: name, keyID: keyID, signature: signature)
    }

    public var description: String { "NoteSignerKey(\(verifierKey.encoded))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "keyID": NoteKeyEncoding.hex(keyID)], displayStyle: .struct)
    }
}
