import COpenSSL

/// PEM text in and out of OpenSSL through memory BIOs.
enum PEMCodec {
    /// A password callback that supplies no password, so an encrypted PEM fails with an error
    /// instead of OpenSSL's default of prompting on the controlling terminal.
    private static let noPassword: @convention(c) (
        UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?
    ) -> Int32 = { _, _, _, _ in 0 }

    /// Writes with `write` into a memory BIO and returns what it wrote.
    static func write(
        _ operation: String, _ write: (OpaquePointer) -> Int32
    ) throws(CryptoError) -> String {
        OpenSSLErrorQueue.clear()
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLErrorQueue.failure("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw OpenSSLErrorQueue.failure(operation) }
        var data: UnsafeMutablePointer<CChar>?
        let length = oda_bio_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw OpenSSLErrorQueue.failure("BIO_get_mem_data") }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// Reads one PEM private key (PKCS#8 or a traditional format); encrypted keys are refused.
    static func readPrivateKey(_ pem: String) throws(CryptoError) -> EVPKey {
        try read(pem, "PEM_read_bio_PrivateKey") { PEM_read_bio_PrivateKey($0, nil, noPassword, nil) }
    }

    /// Reads one PEM SubjectPublicKeyInfo ("PUBLIC KEY").
    static func readPublicKey(_ pem: String) throws(CryptoError) -> EVPKey {
        try read(pem, "PEM_read_bio_PUBKEY") { PEM_read_bio_PUBKEY($0, nil, noPassword, nil) }
    }

    private static func read(
        _ pem: String, _ operation: String, _ read: (OpaquePointer) -> OpaquePointer?
    ) throws(CryptoError) -> EVPKey {
        let bytes = Array(pem.utf8)
        guard !bytes.isEmpty, bytes.count <= Int(Int32.max) else {
            throw .invalidEncoding("PEM text is empty or too large (\(bytes.count) bytes)")
        }
        // OpenSSL 3's decoders only say "unsupported" for text without a PEM block.
        guard pem.contains("-----BEGIN ") else {
            throw .invalidEncoding("no PEM block found: a PEM key starts with a \"-----BEGIN …-----\" line")
        }
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer? = bytes.withNonNullBytes { pointer, count in
            guard let bio = BIO_new_mem_buf(pointer, Int32(count)) else { return nil }
            defer { BIO_free(bio) }
            return read(bio)
        }
        guard let key else {
            let detail = OpenSSLErrorQueue.drain()
            throw .invalidEncoding("not a readable PEM key (\(operation)): \(detail.isEmpty ? "no PEM block found" : detail)")
        }
        return EVPKey(taking: key)
    }
}
