import COpenSSL

/// HMAC-SHA-256 (RFC 2104) through OpenSSL's `EVP_MAC` interface.
public enum HMACSHA256 {
    /// Length of a full tag.
    public static let byteCount = 32

    /// The 32-byte tag of `message` under `key`. Any key length is accepted, the empty key
    /// included (keys longer than 64 bytes are hashed first, as RFC 2104 says).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) throws(CryptoError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { throw OpenSSLErrorQueue.failure("EVP_MAC_fetch(HMAC)") }
        defer { EVP_MAC_free(mac) }
        guard let context = EVP_MAC_CTX_new(mac) else { throw OpenSSLErrorQueue.failure("EVP_MAC_CTX_new") }
        defer { EVP_MAC_CTX_free(context) }

        var failed: String?
        var tag = [UInt8](repeating: 0, count: byteCount)
        var length = 0
        "digest".withCString { paramName in
            "SHA256".withCString { digestName in
                var params = [
                    OSSL_PARAM_construct_utf8_string(paramName, UnsafeMutablePointer(mutating: digestName), 0),
                    OSSL_PARAM_construct_end(),
                ]
                // A null key pointer would mean "keep the previous key", so even an empty key
                // is passed as a real (zero-length) buffer.
                let initialised = key.withNonNullBytes { keyBytes, keyCount in
                    EVP_MAC_init(context, keyBytes, keyCount, &params)
                }
                guard initialised == 1 else { failed = "EVP_MAC_init(HMAC-SHA256)"; return }
                let updated = message.withNonNullBytes { bytes, count in EVP_MAC_update(context, bytes, count) }
                guard updated == 1 else { failed = "EVP_MAC_update"; return }
                guard EVP_MAC_final(context, &tag, &length, byteCount) == 1, length == byteCount else {
                    failed = "EVP_MAC_final"
                    return
                }
            }
        }
        if let failed { throw OpenSSLErrorQueue.failure(failed) }
        return tag
    }

    /// Whether `tag` is the full 32-byte tag of `message` under `key`, compared in constant
    /// time. Truncated tags are not accepted: a caller that wants them must decide how short
    /// a tag its protocol allows and compare prefixes with `ConstantTime.equals` itself.
    public static func isValid(_ tag: [UInt8], key: [UInt8], message: [UInt8]) throws(CryptoError) -> Bool {
        guard tag.count == byteCount else { return false }
        return ConstantTime.equals(try authenticationCode(key: key, message: message), tag)
    }
}
