import Crypto
import Foundation

/// Signature type bytes assigned by C2SP signed-note. They enter the key ID hash and prefix
/// the key material in encoded keys, so a key of one type can never pass for another.
enum NoteSignatureType: UInt8 {
    /// Ed25519 signatures over the note text (signed-note).
    case ed25519 = 0x01
    /// Timestamped Ed25519 witness cosignatures (tlog-cosignature, cosignature/v1).
    case cosignatureV1 = 0x04

    var label: String {
        switch self {
        case .ed25519: return "Ed25519 (0x01)"
        case .cosignatureV1: return "Ed25519 cosignature/v1 (0x04)"
        }
    }
}

/// Key names, key IDs and the `name+keyid+base64(type ‖ key)` encoding shared by signers,
/// verifiers and cosigners.
enum NoteKeyEncoding {
    /// signed-note: non-empty, no Unicode white space, no "+"; control characters cannot
    /// appear in a note either.
    static func validateName(_ name: String) throws(NoteError) {
        guard !name.isEmpty else { throw .invalidKeyName(name: name, reason: "a key name must not be empty") }
        for scalar in name.unicodeScalars {
            if scalar == "+" {
                throw .invalidKeyName(name: name, reason: "a key name must not contain \"+\"")
            }
            if scalar.properties.isWhitespace {
                throw .invalidKeyName(name: name, reason: "a key name must not contain white space (\(codePoint(scalar)))")
            }
            if scalar.value < 0x20 || scalar.value == 0x7f {
                throw .invalidKeyName(name: name, reason: "a key name must not contain control characters (\(codePoint(scalar)))")
            }
        }
    }

    /// key ID = first four bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ type ‖ public key).
    static func keyID(name: String, type: NoteSignatureType, publicKey: Ed25519PublicKey) -> UInt32 {
        let digest = SHA256.hash(Array(name.utf8) + [0x0A, type.rawValue] + publicKey.rawRepresentation)
        return readUInt32(digest.bytes[0..<4])
    }

    /// Eight lowercase hex digits, as key IDs are written in keys and messages.
    static func hex(_ keyID: UInt32) -> String { Hex.encode(bigEndian(keyID)) }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func readUInt32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Decodes `name+keyid+base64(type ‖ 32-byte key)` and checks that the key ID matches.
    /// `what` names the kind of key in error messages.
    static func decodePublic(
        _ encoded: String, type: NoteSignatureType, what: String
    ) throws(NoteError) -> (name: String, keyID: UInt32, publicKey: Ed25519PublicKey) {
        // Names cannot contain "+" but base64 can: only the first two "+" separate fields.
        let parts = encoded.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .malformedKey("\(what) \"\(encoded)\" is not name+keyid+base64key")
        }
        let name = String(parts[0])
        try validateName(name)
        let statedID = try decodeKeyID(parts[1], what: what, quote: true)
        let material = try decodeMaterial(parts[2], type: type, what: "\(what) \"\(encoded)\"")
        let publicKey: Ed25519PublicKey
        do {
            publicKey = try Ed25519PublicKey(rawRepresentation: material)
        } catch {
            throw .malformedKey("\(what) \"\(encoded)\": \(error)")
        }
        let computed = keyID(name: name, type: type, publicKey: publicKey)
        guard computed == statedID else { throw .keyIDMismatch(name: name, stated: statedID, computed: computed) }
        return (name, statedID, publicKey)
    }

    static func encodePublic(name: String, keyID: UInt32, type: NoteSignatureType, publicKey: Ed25519PublicKey) -> String {
        "\(name)+\(hex(keyID))+\(NoteBase64.encode([type.rawValue] + publicKey.rawRepresentation))"
    }

    /// Exactly eight hex digits (either case, as Go's decoder allows). The field is quoted in
    /// the error only when `quote` is set: in a private key a missing key ID shifts part of
    /// the secret into this position.
    static func decodeKeyID(_ text: Substring, what: String, quote: Bool) throws(NoteError) -> UInt32 {
        guard text.utf8.count == 8, let bytes = Hex.decode(String(text)) else {
            let field = quote ? " \"\(text)\"" : ""
            throw .malformedKey("\(what) key ID\(field) is not 8 hex digits")
        }
        return readUInt32(bytes[0..<4])
    }

    /// base64(type ‖ 32 bytes) → the 32 bytes, refusing another signature type.
    static func decodeMaterial(_ text: Substring, type: NoteSignatureType, what: String) throws(NoteError) -> [UInt8] {
        guard let bytes = NoteBase64.decode(text) else {
            throw .malformedKey("\(what): the key part is not canonical standard base64")
        }
        guard let first = bytes.first else { throw .malformedKey("\(what): the key part is empty") }
        guard first == type.rawValue else {
            let found = NoteSignatureType(rawValue: first)?.label ?? "0x\(Hex.encode([first]))"
            throw .malformedKey("\(what): signature type is \(found), expected \(type.label)")
        }
        guard bytes.count == 33 else {
            throw .malformedKey("\(what): an Ed25519 key is 32 bytes after the type byte, found \(bytes.count - 1)")
        }
        return Array(bytes.dropFirst())
    }

    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

/// Standard base64 (RFC 4648 §4) with padding, decoded strictly: only the one canonical
/// spelling of each byte string is accepted, so a parsed note serializes back to exactly
/// the bytes that were signed or received.
enum NoteBase64 {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        guard !text.isEmpty, let data = Data(base64Encoded: String(text)) else { return nil }
        let bytes = [UInt8](data)
        guard encode(bytes) == text else { return nil }
        return bytes
    }
}
