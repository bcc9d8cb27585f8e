import Crypto

/// Why a proof was rejected. Every case names the numbers or hashes involved, so whoever reads
/// it can tell a malformed request from a log that misbehaved.
public enum MerkleProofError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A hash received from outside was not 32 bytes (`field` names it, e.g. "root", "proof[2]").
    case malformedHash(field: String, byteCount: Int)
    /// The leaf index is not below the tree size, so no proof can exist.
    case leafIndexBeyondSize(leafIndex: UInt64, treeSize: UInt64)
    /// The old tree is larger than the new one.
    case sizesOutOfOrder(oldSize: UInt64, newSize: UInt64)
    /// The proof has the wrong number of hashes for these sizes (the count is fixed by them).
    case wrongProofLength(expected: Int, got: Int)
    /// Equal sizes, or an empty old tree, need no proof; one was given anyway.
    case emptyProofRequired(oldSize: UInt64, newSize: UInt64, got: Int)
    /// A root claimed for the tree of size 0 is not `SHA-256("")`.
    case notEmptyTreeRoot(SHA256Digest)
    /// Two roots claimed for the same tree size differ: the log has shown two different trees.
    case rootsDiffer(size: UInt64, oldRoot: SHA256Digest, newRoot: SHA256Digest)
    /// The inclusion proof leads to a root other than the one claimed.
    case rootMismatch(computed: SHA256Digest, expected: SHA256Digest)
    /// The consistency proof does not lead to the claimed old root.
    case oldRootMismatch(computed: SHA256Digest, expected: SHA256Digest)
    /// The consistency proof does not lead to the claimed new root.
    case newRootMismatch(computed: SHA256Digest, expected: SHA256Digest)
    /// [start, end) is not a subtree of a tree of `treeSize` leaves: empty, misaligned (start
    /// must be a multiple of the smallest power of two ≥ end − start) or beyond the tree.
    case invalidSubtree(start: UInt64, end: UInt64, treeSize: UInt64)
    /// A subtree consistency proof that does not lead to the claimed subtree hash and root.
    case subtreeProofMismatch(start: UInt64, end: UInt64, treeSize: UInt64)

    public var description: String {
        switch self {
        case let .malformedHash(field, byteCount):
            return "\(field) has \(byteCount) bytes; a SHA-256 Merkle hash has 32"
        case let .leafIndexBeyondSize(leafIndex, treeSize):
            return "leaf index \(leafIndex) is not in a tree of size \(treeSize) (leaves 0..<\(treeSize))"
        case let .sizesOutOfOrder(oldSize, newSize):
            return "old tree size \(oldSize) is larger than new tree size \(newSize); a log only grows"
        case let .wrongProofLength(expected, got):
            return "the proof has \(got) hashes; for these tree sizes it must have exactly \(expected)"
        case let .emptyProofRequired(oldSize, newSize, got):
            return "from size \(oldSize) to size \(newSize) the consistency proof must be empty, but it has \(got) hashes"
        case let .notEmptyTreeRoot(root):
            return "the root of the empty tree is SHA-256(\"\") = \(MerkleHash.emptyRoot.hex), not \(root.hex)"
        case let .rootsDiffer(size, oldRoot, newRoot):
            return "two different roots for the same tree size \(size): \(oldRoot.hex) and \(newRoot.hex)"
        case let .rootMismatch(computed, expected):
            return "the inclusion proof leads to root \(computed.hex), not the claimed \(expected.hex)"
        case let .oldRootMismatch(computed, expected):
            return "the consistency proof leads to old root \(computed.hex), not the claimed \(expected.hex)"
        case let .newRootMismatch(computed, expected):
            return "the consistency proof leads to new root \(computed.hex), not the claimed \(expected.hex)"
        case let .invalidSubtree(start, end, treeSize):
            return "[\(start), \(end)) is not a subtree of a tree of size \(treeSize): it must be non-empty, within the tree, "
                + "and start at a multiple of the smallest power of two not below its size"
        case let .subtreeProofMismatch(start, end, treeSize):
            return "the proof does not show the claimed subtree [\(start), \(end)) inside the claimed tree of size \(treeSize)"
        }
    }
}
