import COpenSSL

/// Owns one `EVP_PKEY` so that key values can be copied and shared without copying the key.
///
/// `@unchecked Sendable` is sound here because the box is immutable after creation: the
/// `EVP_PKEY` is fully built before it is wrapped and no code path modifies it afterwards.
/// Every signature and verification creates its own `EVP_MD_CTX`, so threads never share a
/// context; they only read the key, which openssl-threads(7) allows. The one part of an
/// `EVP_PKEY` that OpenSSL 3 fills in lazily (its cache of provider-side key data) is
/// guarded by the key's own lock inside libcrypto.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer`; it is freed when the last copy of the key goes away.
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// The key's 32 raw public bytes (works for private keys too).
    func rawPublicKey() throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Ed25519PublicKey.byteCount)
        var length = out.count
        OpenSSLErrorQueue.clear()
        guard EVP_PKEY_get_raw_public_key(pointer, &out, &length) == 1, length == out.count else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_get_raw_public_key")
        }
        return out
    }

    /// The key's 32-byte private seed.
    func rawPrivateKey() throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Ed25519PrivateKey.seedByteCount)
        var length = out.count
        OpenSSLErrorQueue.clear()
        guard EVP_PKEY_get_raw_private_key(pointer, &out, &length) == 1, length == out.count else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_get_raw_private_key")
        }
        return out
    }

    /// Refuses anything but an Ed25519 key (a PEM file may hold RSA, EC, X25519 …).
    func requireEd25519(_ what: String) throws(CryptoError) {
        let id = EVP_PKEY_get_id(pointer)
        guard id == EVP_PKEY_ED25519 else {
            let name = EVP_PKEY_get0_type_name(pointer).map { String(cString: $0) } ?? "type \(id)"
            throw .invalidEncoding("\(what) holds a \(name) key, not an Ed25519 key")
        }
    }
}
