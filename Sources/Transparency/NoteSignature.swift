/// One signature line of a signed note: `— name base64(key ID ‖ signature)`.
///
/// The signature bytes are opaque here; their meaning depends on the key type (64 bytes of
/// Ed25519 for a note key, an 8-byte timestamp and 64 bytes for a cosignature/v1).
public struct NoteSignature: Sendable, Hashable, CustomStringConvertible {
    /// The signature line's prefix: U+2014 EM DASH and a space.
    public static let linePrefix = "\u{2014} "

    public let name: String
    public let keyID: UInt32
    /// The signature proper, without the 4-byte key ID.
    public let signature: [UInt8]

    /// Refuses an invalid key name or an empty signature, neither of which a note can carry.
    public init(name: String, keyID: UInt32, signature: [UInt8]) throws(NoteError) {
        try NoteKeyEncoding.validateName(name)
        guard !signature.isEmpty else {
            throw .invalidText("the signature by \(name) is empty")
        }
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// The line as it appears in a note, without its final newline.
    public var line: String {
        Self.linePrefix + name + " " + NoteBase64.encode(NoteKeyEncoding.bigEndian(keyID) + signature)
    }

    public var description: String { line }
}
