import Crypto

/// Verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs, as the RFC
/// specifies them, for a client that holds only hashes.
///
/// The algorithms are the RFC's step by step. Before running them the proof length is checked
/// against the one length the sizes allow, which is the same condition as the RFC's
/// "sn is 0" checks but yields an error that says what was wrong. Cases the RFC leaves out of
/// consistency proofs are defined as follows: equal sizes need an empty proof and equal roots;
/// from the empty tree (old size 0), whose root must be `SHA-256("")`, the proof is empty.
///
/// As in the RFC, a tree size only shapes the path: a proof verified against a root also
/// verifies for another size whose path has the same shape. Take size and root together from
/// one signed checkpoint; never pair a root with a size from elsewhere.
public enum MerkleVerification {
    /// Succeeds when `proof` shows that `leafHash` is leaf `leafIndex` of the tree of `treeSize`
    /// leaves whose root is `root`.
    public static func verifyInclusion(
        leafHash: SHA256Digest, leafIndex: UInt64, treeSize: UInt64,
        proof: [SHA256Digest], root: SHA256Digest, using hasher: SHA256Hasher
    ) throws(MerkleProofError) {
        // Step 1.
        guard leafIndex < treeSize else { throw .leafIndexBeyondSize(leafIndex: leafIndex, treeSize: treeSize) }
        let expected = inclusionPathLength(leafIndex: leafIndex, treeSize: treeSize)
        guard proof.count == expected else { throw .wrongProofLength(expected: expected, got: proof.count) }
        // Steps 2-3.
        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        // Step 4.
        for p in proof {
            guard sn != 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r, using: hasher)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = MerkleHash.node(r, p, using: hasher)
            }
            fn >>= 1
            sn >>= 1
        }
        // Step 5.
        guard sn == 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
        guard r == root else { throw .rootMismatch(computed: r, expected: root) }
    }

    /// Succeeds when `proof` shows that the tree of `oldSize` leaves with root `oldRoot` is a
    /// prefix of the tree of `newSize` leaves with root `newRoot`.
    public static func verifyConsistency(
        oldSize: UInt64, newSize: UInt64, oldRoot: SHA256Digest, newRoot: SHA256Digest,
        proof: [SHA256Digest], using hasher: SHA256Hasher
    ) throws(MerkleProofError) {
        guard oldSize <= newSize else { throw .sizesOutOfOrder(oldSize: oldSize, newSize: newSize) }
        if oldSize == newSize || oldSize == 0 {
            guard proof.isEmpty else {
                throw .emptyProofRequired(oldSize: oldSize, newSize: newSize, got: proof.count)
            }
            if oldSize == 0 {
                guard oldRoot == MerkleHash.emptyRoot else { throw .notEmptyTreeRoot(oldRoot) }
            }
            if oldSize == newSize {
                guard oldRoot == newRoot else { throw .rootsDiffer(size: oldSize, oldRoot: oldRoot, newRoot: newRoot) }
            }
            return
        }
        // 0 < oldSize < newSize: the RFC algorithm. Step 1 (an empty path fails) is covered by
        // the length check, since these sizes always need at least one hash.
        let expected = consistencyPathLength(oldSize: oldSize, newSize: newSize)
        guard proof.count == expected else { throw .wrongProofLength(expected: expected, got: proof.count) }
        // Step 2: when the old tree is perfect its root is the first path element.
        var remaining = proof[...]
        let first: SHA256Digest
        if MerkleTreeShape.isPowerOfTwo(oldSize) {
            first = oldRoot
        } else {
            first = remaining.removeFirst()
        }
        // Steps 3-4.
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // Step 5.
        var fr = first
        var sr = first
        // Step 6.
        for c in remaining {
            guard sn != 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr, using: hasher)
                sr = MerkleHash.node(c, sr, using: hasher)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = MerkleHash.node(sr, c, using: hasher)
            }
            fn >>= 1
            sn >>= 1
        }
        // Step 7.
        guard sn == 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
        guard fr == oldRoot else { throw .oldRootMismatch(computed: fr, expected: oldRoot) }
        guard sr == newRoot else { throw .newRootMismatch(computed: sr, expected: newRoot) }
    }

    /// The number of hashes in every valid inclusion proof for these numbers: the iterations of
    /// RFC 9162 §2.1.3.2 step 4 before `sn` reaches 0. Nil when `leafIndex` is not below
    /// `treeSize`, where no proof exists.
    public static func inclusionProofLength(leafIndex: UInt64, treeSize: UInt64) -> Int? {
        guard leafIndex < treeSize else { return nil }
        return inclusionPathLength(leafIndex: leafIndex, treeSize: treeSize)
    }

    /// The number of hashes in every valid consistency proof between these sizes: 0 when they are
    /// equal or `oldSize` is 0, else one for the old tree's root unless that is perfect, plus the
    /// iterations of RFC 9162 §2.1.4.2 step 6 before `sn` reaches 0. Nil when `oldSize` exceeds
    /// `newSize`, where no proof exists.
    public static func consistencyProofLength(oldSize: UInt64, newSize: UInt64) -> Int? {
        guard oldSize <= newSize else { return nil }
        return consistencyPathLength(oldSize: oldSize, newSize: newSize)
    }

    /// `inclusionProofLength` for `leafIndex < treeSize`.
    private static func inclusionPathLength(leafIndex: UInt64, treeSize: UInt64) -> Int {
        var fn = leafIndex
        var sn = treeSize - 1
        var count = 0
        while sn != 0 {
            if fn & 1 == 0 && fn == sn {
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            }
            fn >>= 1
            sn >>= 1
            count += 1
        }
        return count
    }

    /// `consistencyProofLength` for `oldSize <= newSize`.
    private static func consistencyPathLength(oldSize: UInt64, newSize: UInt64) -> Int {
        guard oldSize > 0, oldSize < newSize else { return 0 }
        var count = MerkleTreeShape.isPowerOfTwo(oldSize) ? 0 : 1
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        while sn != 0 {
            if fn & 1 == 0 && fn == sn {
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            }
            fn >>= 1
            sn >>= 1
            count += 1
        }
        return count
    }
}
