import Crypto

/// A trusted witness (cosigner) key for Ed25519 cosignature/v1 (signature type 0x04).
///
/// Deliberately a separate type from `NoteVerifierKey`: the same Ed25519 key material means
/// something different under each type (a cosignature signs a timestamped message, not the
/// note text), so the type system keeps a witness key from being trusted as a log key.
/// Its text form is a vkey with type byte 0x04: `name+keyid+base64(0x04 ‖ public key)`.
public struct CosignatureVerifierKey: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    /// First four bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key), big-endian.
    public let keyID: UInt32
    public let publicKey: Ed25519PublicKey

    public init(name: String, publicKey: Ed25519PublicKey) throws(NoteError) {
        try NoteKeyEncoding.validateName(name)
        self.name = name
        self.publicKey = publicKey
        self.keyID = NoteKeyEncoding.keyID(name: name, type: .cosignatureV1, publicKey: publicKey)
    }

    /// Parses a type-0x04 vkey, checking that the key ID matches.
    public init(_ encoded: String) throws(NoteError) {
        let decoded = try NoteKeyEncoding.decodePublic(encoded, type: .cosignatureV1, what: "cosigner key")
        self.name = decoded.name
        self.keyID = decoded.keyID
        self.publicKey = decoded.publicKey
    }

    public var encoded: String {
        NoteKeyEncoding.encodePublic(name: name, keyID: keyID, type: .cosignatureV1, publicKey: publicKey)
    }

    public var description: String { encoded }
}
