import COpenSSL

/// An Ed25519 public key (RFC 8032), verified through OpenSSL's EVP interface.
///
/// Two keys are equal when their 32 raw bytes are equal. Verification follows OpenSSL 3.0's
/// rules, which the test suite pins with the CCTV edge-case vectors: non-canonical `R`
/// encodings and signatures that only verify with the cofactored equation are rejected,
/// and `S` must be fully reduced (no malleability).
public struct Ed25519PublicKey: Sendable, Hashable {
    /// Length of a raw public key.
    public static let byteCount = 32
    /// Length of an Ed25519 signature.
    public static let signatureByteCount = 64

    /// The 32-byte RFC 8032 encoding of the key.
    public let rawRepresentation: [UInt8]
    let key: EVPKey

    /// Wraps a 32-byte key. Only the length is checked here; a byte string that is not a
    /// curve point simply never verifies a signature.
    public init(rawRepresentation: [UInt8]) throws(CryptoError) {
        guard rawRepresentation.count == Self.byteCount else {
            throw .invalidEncoding(
                "an Ed25519 public key has \(Self.byteCount) bytes, not \(rawRepresentation.count)")
        }
        OpenSSLErrorQueue.clear()
        let pointer = rawRepresentation.withNonNullBytes { bytes, count in
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, bytes, count)
        }
        guard let pointer else { throw OpenSSLErrorQueue.failure("EVP_PKEY_new_raw_public_key(ED25519)") }
        self.rawRepresentation = rawRepresentation
        self.key = EVPKey(taking: pointer)
    }

    /// Reads a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block holding an Ed25519 key.
    public init(pemRepresentation: String) throws(CryptoError) {
        let key = try PEMCodec.readPublicKey(pemRepresentation)
        try key.requireEd25519("the PEM public key")
        self.rawRepresentation = try key.rawPublicKey()
        self.key = key
    }

    /// The key as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block.
    public var pemRepresentation: String {
        do {
            return try PEMCodec.write("PEM_write_bio_PUBKEY") { PEM_write_bio_PUBKEY($0, key.pointer) }
        } catch {
            // Writing a valid in-memory key to a memory BIO fails only if allocation fails.
            preconditionFailure("cannot encode an Ed25519 public key as PEM: \(error)")
        }
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    /// Any length other than 64 bytes is simply invalid.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == Self.signatureByteCount else { return false }
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }  // a rejected signature may leave entries behind
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key.pointer) == 1 else { return false }
        let result = signature.withNonNullBytes { sig, sigCount in
            message.withNonNullBytes { msg, msgCount in
                EVP_DigestVerify(context, sig, sigCount, msg, msgCount)
            }
        }
        return result == 1
    }

    public static func == (lhs: Ed25519PublicKey, rhs: Ed25519PublicKey) -> Bool {
        lhs.rawRepresentation == rhs.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawRepresentation)
    }
}

extension Ed25519PublicKey: CustomStringConvertible {
    public var description: String { "Ed25519PublicKey(\(Hex.encode(rawRepresentation)))" }
}
