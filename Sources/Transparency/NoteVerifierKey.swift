import Crypto

/// A trusted Ed25519 note-signing key (signature type 0x01), as configured by an operator.
///
/// Its text form is the signed-note "vkey": `name+keyid+base64(0x01 ‖ 32-byte public key)`,
/// for example `sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8`.
/// The key ID is always recomputed from the name and key, so a value of this type never
/// carries an inconsistent ID.
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    /// The key name, which signature lines repeat (usually the log's origin).
    public let name: String
    /// First four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian.
    public let keyID: UInt32
    public let publicKey: Ed25519PublicKey

    /// A verifier for `publicKey` under `name`; the name must be a valid key name.
    public init(name: String, publicKey: Ed25519PublicKey) throws(NoteError) {
        try NoteKeyEncoding.validateName(name)
        self.name = name
        self.publicKey = publicKey
        self.keyID = NoteKeyEncoding.keyID(name: name, type: .ed25519, publicKey: publicKey)
    }

    /// Parses a vkey. Refuses other signature types (a cosigner's 0x04 key included: use
    /// `CosignatureVerifierKey` for those) and a key ID that does not match the key.
    public init(_ encoded: String) throws(NoteError) {
        let decoded = try NoteKeyEncoding.decodePublic(encoded, type: .ed25519, what: "verifier key")
        self.name = decoded.name
        self.keyID = decoded.keyID
        self.publicKey = decoded.publicKey
    }

    /// The vkey text, with the key ID in lowercase hex.
    public var encoded: String {
        NoteKeyEncoding.encodePublic(name: name, keyID: keyID, type: .ed25519, publicKey: publicKey)
    }

    public var description: String { encoded }

    /// Whether `signature` claims this key (same name and key ID) and verifies over `text`.
    public func isValidSignature(_ signature: NoteSignature, for text: String) -> Bool {
        signature.name == name && signature.keyID == keyID
            && publicKey.isValidSignature(signature.signature, for: Array(text.utf8))
    }
}
