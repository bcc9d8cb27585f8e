import Crypto

/// A bearer token: `odal_` followed by 32 random bytes in unpadded base64url (43 characters).
///
/// The prefix makes a leaked token recognisable to secret scanners. Only an HMAC-SHA256 of the
/// whole token under the ledger's token secret is stored, so a copy of `users.sqlite` alone does
/// not let anyone authenticate, nor test guesses offline without the secret.
public enum BearerToken {
    public static let prefix = "odal_"
    static let randomByteCount = 32

    /// A new token from the system's secure random source.
    public static func generate() throws(CryptoError) -> String {
        prefix + base64URL(try SecureRandom.bytes(randomByteCount))
    }

    /// Whether `text` has the shape of a token (prefix, 43 base64url characters). Checked before
    /// hashing so that junk in an Authorization header is refused without touching the database.
    public static func isWellFormed(_ text: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let rest = text.utf8.dropFirst(prefix.utf8.count)
        return rest.count == 43 && rest.allSatisfy(isAlphabetByte)
    }

    /// base64url's alphabet as a byte test: it runs on every authenticated request.
    private static func isAlphabetByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "a") ... UInt8(ascii: "z"),
             UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }

    /// The value stored for `token`: HMAC-SHA256 keyed with the ledger's token secret.
    public static func digest(_ token: String, secret: [UInt8]) throws(CryptoError) -> [UInt8] {
        try HMACSHA256.authenticationCode(key: secret, message: Array(token.utf8))
    }

    static let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    static func base64URL(_ bytes: [UInt8]) -> String {
        let table = Array(alphabet.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            let available = min(3, bytes.count - index)
            for position in 0 ... available {
                out.append(table[Int(triple >> UInt32(18 - 6 * position) & 0x3F)])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
