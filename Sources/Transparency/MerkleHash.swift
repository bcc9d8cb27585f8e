import Crypto

/// The two hash functions of an RFC 9162 (§2.1.1) Merkle tree over SHA-256.
///
/// Leaves and interior nodes are hashed with different one-byte prefixes so that no leaf can
/// ever be passed off as an interior node (second-preimage resistance of the tree). Every
/// function hashes one complete message with the caller's `SHA256Hasher`, reusing its
/// OpenSSL context; pass a hasher with no message in progress (every digest-returning
/// `SHA256Hasher` call leaves it that way, and so does every function of this module).
public enum MerkleHash {
    /// Prefix of a leaf hash input: `SHA-256(0x00 ‖ entry)`.
    public static let leafPrefix: UInt8 = 0x00
    /// Prefix of an interior node hash input: `SHA-256(0x01 ‖ left ‖ right)`.
    public static let nodePrefix: UInt8 = 0x01

    /// The root of the tree with no leaves: `SHA-256("")`, with no prefix.
    public static let emptyRoot: SHA256Digest = SHA256.hash(EmptyCollection<UInt8>())

    /// The leaf hash of one log entry: `SHA-256(0x00 ‖ entry)`.
    public static func leaf(_ entry: some Collection<UInt8>, using hasher: SHA256Hasher) -> SHA256Digest {
        hasher.update(byte: leafPrefix)
        hasher.update(entry)
        return hasher.finalize()
    }

    /// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
    public static func node(_ left: SHA256Digest, _ right: SHA256Digest, using hasher: SHA256Hasher) -> SHA256Digest {
        hasher.update(byte: nodePrefix)
        hasher.update(left)
        hasher.update(right)
        return hasher.finalize()
    }
}
