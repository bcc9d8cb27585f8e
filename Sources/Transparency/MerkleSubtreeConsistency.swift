import Crypto

extension MerkleVerification {
    /// Whether [start, end) is a subtree in the sense of the Merkle Tree Certificates draft
    /// (§4.1): non-empty, and `start` a multiple of the smallest power of two ≥ `end − start`.
    public static func isSubtree(start: UInt64, end: UInt64) -> Bool {
        guard start < end else { return false }
        let size = end - start
        let ceiling: UInt64 = size == 1 ? 1 : 1 << (64 - UInt64((size - 1).leadingZeroBitCount))
        return ceiling == 0 ? start == 0 : start % ceiling == 0
    }

    /// Checks a subtree consistency proof (Merkle Tree Certificates draft §4.4.3): that the
    /// subtree [start, end) whose hash is `subtreeHash` lies at exactly those leaves of the tree of
    /// `treeSize` leaves whose root is `root`.
    ///
    /// The walk climbs from the subtree's last leaf towards the root, as the RFC 9162 consistency
    /// check does from the old tree's last leaf; one running hash rebuilds the subtree (it stops
    /// combining once the subtree is complete, which is what makes comparing it meaningful) and
    /// another rebuilds the root.
    public static func verifySubtreeConsistency(
        start: UInt64, end: UInt64, treeSize: UInt64, proof: [SHA256Digest],
        subtreeHash: SHA256Digest, root: SHA256Digest, using hasher: SHA256Hasher
    ) throws(MerkleProofError) {
        guard isSubtree(start: start, end: end), end <= treeSize else {
            throw .invalidSubtree(start: start, end: end, treeSize: treeSize)
        }
        var first = start, last = end - 1, edge = treeSize - 1
        func climb() { first >>= 1; last >>= 1; edge >>= 1 }
        // Levels that need no proof hash: all of them up to the subtree's own node when it ends at
        // the tree's right edge, else only while its last node is a right child.
        if last == edge {
            while first != last { climb() }
        } else {
            while first != last, last & 1 == 1 { climb() }
        }
        var subtree: SHA256Digest, tree: SHA256Digest
        var rest = proof[...]
        if first == last {
            subtree = subtreeHash
            tree = subtreeHash
        } else {
            guard let seed = rest.popFirst() else { throw .subtreeProofMismatch(start: start, end: end, treeSize: treeSize) }
            subtree = seed
            tree = seed
        }
        for sibling in rest {
            guard edge != 0 else { throw .subtreeProofMismatch(start: start, end: end, treeSize: treeSize) }
            if last & 1 == 1 || last == edge {
                if first < last { subtree = MerkleHash.node(sibling, subtree, using: hasher) }
                tree = MerkleHash.node(sibling, tree, using: hasher)
                // On the ragged right edge the node just formed is shorter than its sibling: skip
                // the levels it has no node at, until it is a right child again.
                while last & 1 == 0, last != 0 { climb() }
            } else {
                tree = MerkleHash.node(tree, sibling, using: hasher)
            }
            climb()
        }
        guard edge == 0, subtree == subtreeHash, tree == root else {
            throw .subtreeProofMismatch(start: start, end: end, treeSize: treeSize)
        }
    }
}
