import COpenSSL

/// SHA-256 through OpenSSL's EVP interface with the method fetched once and the digest
/// context reused, which hashes small messages about twice as fast as one-shot `EVP_Digest`.
///
/// A hasher is not `Sendable`: it owns a mutable C context. Keep one per thread or per owner
/// (the store's writer, a verifier run); `SHA256.hash(_:)` makes a fresh one for occasional use.
public final class SHA256Hasher {
    private let method: OpaquePointer
    private let context: OpaquePointer
    private var inProgress = false

    public init() throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        guard let method = EVP_MD_fetch(nil, "SHA256", nil) else {
            throw OpenSSLErrorQueue.failure("EVP_MD_fetch(SHA256)")
        }
        guard let context = EVP_MD_CTX_new() else {
            EVP_MD_free(method)
            throw OpenSSLErrorQueue.failure("EVP_MD_CTX_new")
        }
        self.method = method
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_MD_free(method)
    }

    /// Adds bytes to the running digest (starting one if none is in progress).
    public func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        begin()
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { buffer in
                _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
            }
        }
    }

    /// Adds one byte (the 0x00 / 0x01 domain-separation prefixes of Merkle hashing).
    public func update(byte: UInt8) {
        begin()
        var b = byte
        _ = EVP_DigestUpdate(context, &b, 1)
    }

    /// Adds a borrowed buffer's bytes.
    public func update(raw bytes: UnsafeRawBufferPointer) {
        begin()
        _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    /// Adds a digest's 32 bytes (interior Merkle nodes hash two of them).
    public func update(_ digest: SHA256Digest) {
        digest.withUnsafeBytes { update(raw: $0) }
    }

    /// Finishes the running digest and readies the hasher for the next message.
    public func finalize() -> SHA256Digest {
        begin()
        let digest = SHA256Digest { out in
            var length: UInt32 = 0
            _ = EVP_DigestFinal_ex(context, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        }
        inProgress = false
        return digest
    }

    /// The digest of one complete message held in a borrowed buffer.
    public func hash(raw bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        inProgress = false
        update(raw: bytes)
        return finalize()
    }

    /// The digest of one complete message.
    public func hash<Bytes: Sequence>(_ bytes: Bytes) -> SHA256Digest where Bytes.Element == UInt8 {
        inProgress = false
        update(bytes)
        return finalize()
    }

    private func begin() {
        if !inProgress {
            // Re-initialising with the fetched method cannot fail for SHA-256 short of memory exhaustion.
            _ = EVP_DigestInit_ex2(context, method, nil)
            inProgress = true
        }
    }
}

/// One-shot SHA-256 for callers that hash rarely.
public enum SHA256 {
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> SHA256Digest where Bytes.Element == UInt8 {
        // A hasher can only fail to initialise when libcrypto itself is unusable.
        guard let hasher = try? SHA256Hasher() else {
            preconditionFailure("libcrypto cannot provide SHA-256: \(OpenSSLErrorQueue.drain())")
        }
        return hasher.hash(bytes)
    }
}
