import Crypto

extension MerkleVerification {
    /// Reads one hash received from outside (base64 or hex decoded from JSON, a database column)
    /// and refuses anything but 32 bytes, naming `field` in the error.
    ///
    /// Verification works on `SHA256Digest` only, so a truncated, padded or empty hash is
    /// rejected here, before it can be hashed into anything.
    public static func decodeHash(_ bytes: some Collection<UInt8>, field: String) throws(MerkleProofError) -> SHA256Digest {
        guard bytes.count == SHA256Digest.byteCount, let digest = try? SHA256Digest(bytes: Array(bytes)) else {
            throw .malformedHash(field: field, byteCount: bytes.count)
        }
        return digest
    }

    /// Reads the hashes of a proof, in order; the error names the first bad one as `proof[i]`.
    public static func decodeProof(_ hashes: [[UInt8]]) throws(MerkleProofError) -> [SHA256Digest] {
        var proof: [SHA256Digest] = []
        proof.reserveCapacity(hashes.count)
        for (position, bytes) in hashes.enumerated() {
            proof.append(try decodeHash(bytes, field: "proof[\(position)]"))
        }
        return proof
    }
}
