import COpenSSL

/// An Ed25519 signing key (RFC 8032), identified by its 32-byte seed.
///
/// Signing is deterministic: the same seed and message always give the same signature, which
/// is what lets tests reproduce published vectors byte for byte. The seed never appears in
/// `description`, `debugDescription` or `dump` output, so a key cannot leak into a log by
/// accident; read `seed` or `pemRepresentation` explicitly when it must be stored.
public struct Ed25519PrivateKey: Sendable {
    /// Length of the private seed.
    public static let seedByteCount = 32

    private let seedBytes: [UInt8]
    private let key: EVPKey
    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// A fresh key from OpenSSL's CSPRNG.
    public static func generate() throws(CryptoError) -> Ed25519PrivateKey {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_CTX_new_id(ED25519)")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw OpenSSLErrorQueue.failure("EVP_PKEY_keygen_init") }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen(context, &generated) == 1, let generated else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_keygen(ED25519)")
        }
        return try Ed25519PrivateKey(key: EVPKey(taking: generated))
    }

    /// The key with this 32-byte seed (the RFC 8032 "secret key").
    public init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == Self.seedByteCount else {
            throw .invalidEncoding("an Ed25519 private key seed has \(Self.seedByteCount) bytes, not \(seed.count)")
        }
        OpenSSLErrorQueue.clear()
        let pointer = seed.withNonNullBytes { bytes, count in
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, bytes, count)
        }
        guard let pointer else { throw OpenSSLErrorQueue.failure("EVP_PKEY_new_raw_private_key(ED25519)") }
        try self.init(key: EVPKey(taking: pointer))
    }

    /// Reads a PEM private key holding an Ed25519 key: PKCS#8 "PRIVATE KEY" as OpenSSL and
    /// `openssl genpkey -algorithm ed25519` write it. Encrypted keys are refused.
    public init(pemRepresentation: String) throws(CryptoError) {
        let key = try PEMCodec.readPrivateKey(pemRepresentation)
        try key.requireEd25519("the PEM private key")
        try self.init(key: key)
    }

    private init(key: EVPKey) throws(CryptoError) {
        self.seedBytes = try key.rawPrivateKey()
        self.publicKey = try Ed25519PublicKey(rawRepresentation: key.rawPublicKey())
        self.key = key
    }

    /// The 32-byte seed. Treat it as the secret it is.
    public var seed: [UInt8] { seedBytes }

    /// The key as an unencrypted PKCS#8 PEM "PRIVATE KEY" block. Store it with
    /// `KeyFile.writeNew`, which creates the file readable by its owner only.
    public var pemRepresentation: String {
        do {
            return try PEMCodec.write("PEM_write_bio_PrivateKey") {
                PEM_write_bio_PrivateKey($0, key.pointer, nil, nil, 0, nil, nil)
            }
        } catch {
            // Writing a valid in-memory key to a memory BIO fails only if allocation fails.
            preconditionFailure("cannot encode an Ed25519 private key as PEM: \(error)")
        }
    }

    /// The 64-byte Ed25519 signature of `message`. Each call uses its own OpenSSL context,
    /// so one key may sign from many threads at once.
    public func signature(for message: [UInt8]) throws(CryptoError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLErrorQueue.failure("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key.pointer) == 1 else {
            throw OpenSSLErrorQueue.failure("EVP_DigestSignInit(ED25519)")
        }
        var signature = [UInt8](repeating: 0, count: Ed25519PublicKey.signatureByteCount)
        var length = signature.count
        let status = message.withNonNullBytes { bytes, count in
            EVP_DigestSign(context, &signature, &length, bytes, count)
        }
        guard status == 1, length == Ed25519PublicKey.signatureByteCount else {
            throw OpenSSLErrorQueue.failure("EVP_DigestSign(ED25519)")
        }
        return signature
    }
}

extension Ed25519PrivateKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Names the public key only; the seed is never printed.
    public var description: String {
        "Ed25519PrivateKey(public: \(Hex.encode(publicKey.rawRepresentation)))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct)
    }
}
