import Crypto

/// Roots and proofs of any tree size, read from a store of perfect-subtree hashes.
///
/// Each computation reads O(log n) nodes — at most about 2·log2(n) + 1 — and never walks the
/// log: RFC 9162 (§2.1) splits a tree at the largest power of two below its size, so every
/// subtree its recursion visits is either perfect (one stored node) or lies on the tree's right
/// edge (one stored node per set bit of its size). Results are exactly RFC 9162's MTH,
/// PATH (§2.1.3.1) and PROOF/SUBPROOF (§2.1.4.1).
public enum MerkleTree {
    /// The root of the tree of the first `size` leaves: one read per set bit of `size`.
    public static func root<Source: MerkleNodeSource>(
        size: UInt64, source: Source, using hasher: SHA256Hasher
    ) throws(Source.Failure) -> SHA256Digest {
        try MerkleNodeReader(source: source, hasher: hasher).subtree(start: 0, count: size)
    }

    /// RFC 9162 PATH(leafIndex, D[treeSize]): the sibling hashes from the leaf up to the root,
    /// lowest first.
    public static func inclusionProof<Source: MerkleNodeSource>(
        leafIndex: UInt64, treeSize: UInt64, source: Source, using hasher: SHA256Hasher
    ) throws(MerkleTreeError<Source.Failure>) -> [SHA256Digest] {
        guard leafIndex < treeSize else { throw .leafIndexBeyondSize(leafIndex: leafIndex, treeSize: treeSize) }
        let reader = MerkleNodeReader(source: source, hasher: hasher)
        do throws(Source.Failure) {
            // Walk down from the root while the current subtree [start, end) is not perfect,
            // collecting the sibling of the half that holds the leaf (top-down).
            var upper: [SHA256Digest] = []
            var start: UInt64 = 0
            var end = treeSize
            while !MerkleTreeShape.isPowerOfTwo(end - start) {
                let k = MerkleTreeShape.splitPoint(end - start)
                if leafIndex < start + k {
                    upper.append(try reader.subtree(start: start + k, count: end - start - k))
                    end = start + k
                } else {
                    upper.append(try reader.perfect(level: k.trailingZeroBitCount, firstLeaf: start))
                    start += k
                }
            }
            // Inside a perfect subtree each sibling is itself a stored perfect subtree.
            let height = (end - start).trailingZeroBitCount
            var proof: [SHA256Digest] = []
            proof.reserveCapacity(height + upper.count)
            for level in 0..<height {
                let sibling = (leafIndex >> UInt64(level)) ^ 1
                proof.append(try source.hash(of: MerkleNodeID(level: level, index: sibling)))
            }
            proof.append(contentsOf: upper.reversed())
            return proof
        } catch {
            throw .source(error)
        }
    }

    /// RFC 9162 PROOF(oldSize, D[newSize]): the hashes that prove the tree of `oldSize` leaves
    /// is a prefix of the tree of `newSize` leaves.
    ///
    /// Empty when the sizes are equal or `oldSize` is 0 (the RFC defines proofs only for
    /// `0 < oldSize < newSize`; `MerkleVerification.verifyConsistency` accepts exactly these
    /// empty proofs).
    public static func consistencyProof<Source: MerkleNodeSource>(
        from oldSize: UInt64, to newSize: UInt64, source: Source, using hasher: SHA256Hasher
    ) throws(MerkleTreeError<Source.Failure>) -> [SHA256Digest] {
        guard oldSize <= newSize else { throw .sizesOutOfOrder(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0, oldSize < newSize else { return [] }
        let reader = MerkleNodeReader(source: source, hasher: hasher)
        do throws(Source.Failure) {
            // SUBPROOF(m, D[start, end), b), unrolled; hashes are collected top-down.
            var upper: [SHA256Digest] = []
            var start: UInt64 = 0
            var end = newSize
            var m = oldSize
            var isWholeOldTree = true
            while m != end - start {
                let k = MerkleTreeShape.splitPoint(end - start)
                if m <= k {
                    upper.append(try reader.subtree(start: start + k, count: end - start - k))
                    end = start + k
                } else {
                    upper.append(try reader.perfect(level: k.trailingZeroBitCount, firstLeaf: start))
                    start += k
                    m -= k
                    isWholeOldTree = false
                }
            }
            // SUBPROOF(m, D[m], false) = {MTH(D[m])}; with b = true the verifier already has
            // that hash: it is the old root.
            if !isWholeOldTree {
                upper.append(try reader.subtree(start: start, count: end - start))
            }
            return upper.reversed()
        } catch {
            throw .source(error)
        }
    }

    /// RFC 9162 MTH computed directly from all leaf hashes. A plain recursive reference for
    /// tests and small trees; O(n) hashing.
    public static func rootFromLeafHashes(_ leaves: [SHA256Digest], using hasher: SHA256Hasher) -> SHA256Digest {
        mth(leaves[...], hasher)
    }

    private static func mth(_ leaves: ArraySlice<SHA256Digest>, _ hasher: SHA256Hasher) -> SHA256Digest {
        switch leaves.count {
        case 0: return MerkleHash.emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let k = Int(MerkleTreeShape.splitPoint(UInt64(leaves.count)))
            let split = leaves.startIndex + k
            return MerkleHash.node(mth(leaves[..<split], hasher), mth(leaves[split...], hasher), using: hasher)
        }
    }
}
