import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (`RAND_bytes`), seeded from
/// the operating system. Safe to call from any thread.
public enum SecureRandom {
    /// `count` random bytes. Throws only if OpenSSL cannot seed its generator; a negative
    /// count is a programming error and traps, as `Array(repeating:count:)` does.
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes needs a count of at least 0, not \(count)")
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            // RAND_bytes takes an Int32 length; larger requests are filled in chunks.
            let chunk = min(count - offset, Int(Int32.max))
            OpenSSLErrorQueue.clear()
            let status = out.withUnsafeMutableBufferPointer { buffer in
                RAND_bytes(buffer.baseAddress! + offset, Int32(chunk))
            }
            guard status == 1 else { throw OpenSSLErrorQueue.failure("RAND_bytes") }
            offset += chunk
        }
        return out
    }
}
