import Crypto

/// Index arithmetic of RFC 9162 trees, shared by the frontier, proof generation and
/// verification.
enum MerkleTreeShape {
    /// RFC 9162's split point for `n ≥ 2` leaves: the largest power of two strictly below `n`.
    static func splitPoint(_ n: UInt64) -> UInt64 {
        precondition(n >= 2, "only a tree of two or more leaves splits")
        return 1 << UInt64(63 - (n - 1).leadingZeroBitCount)
    }

    static func isPowerOfTwo(_ n: UInt64) -> Bool { n != 0 && n & (n - 1) == 0 }

    /// The perfect subtrees that together form the subtree of leaves `[start, start + count)`,
    /// left to right: one per set bit of `count`, largest first.
    ///
    /// Exact for every subtree RFC 9162's recursion produces (there `start` is a multiple of
    /// the largest power of two in `count`), which is the only kind this module asks for.
    static func perfectSubtrees(start: UInt64, count: UInt64) -> [MerkleNodeID] {
        var ids: [MerkleNodeID] = []
        ids.reserveCapacity(count.nonzeroBitCount)
        var position = start
        var remaining = count
        while remaining != 0 {
            let level = 63 - remaining.leadingZeroBitCount
            let width: UInt64 = 1 << UInt64(level)
            assert(position % width == 0, "[\(start), \(start + count)) is not a subtree of an RFC 9162 tree")
            ids.append(MerkleNodeID(level: level, index: position >> UInt64(level)))
            position += width
            remaining -= width
        }
        return ids
    }

    /// Folds perfect-subtree hashes given left to right into the hash of the subtree they form:
    /// `node(h0, node(h1, … node(h_{k-1}, h_k)))`, which is RFC 9162's MTH because each split
    /// point falls exactly at the end of the largest remaining perfect subtree.
    static func fold(_ hashes: [SHA256Digest], using hasher: SHA256Hasher) -> SHA256Digest {
        guard var accumulator = hashes.last else { return MerkleHash.emptyRoot }
        for hash in hashes.dropLast().reversed() {
            accumulator = MerkleHash.node(hash, accumulator, using: hasher)
        }
        return accumulator
    }
}

/// Reads perfect subtrees from a source and combines them into RFC 9162 subtree hashes.
struct MerkleNodeReader<Source: MerkleNodeSource> {
    let source: Source
    let hasher: SHA256Hasher

    /// The perfect subtree of `2^level` leaves starting at `firstLeaf`: one read.
    func perfect(level: Int, firstLeaf: UInt64) throws(Source.Failure) -> SHA256Digest {
        try source.hash(of: MerkleNodeID(level: level, index: firstLeaf >> UInt64(level)))
    }

    /// MTH of leaves `[start, start + count)` for a subtree of the RFC 9162 recursion:
    /// one read per set bit of `count`; the empty root for `count == 0`.
    func subtree(start: UInt64, count: UInt64) throws(Source.Failure) -> SHA256Digest {
        var hashes: [SHA256Digest] = []
        hashes.reserveCapacity(count.nonzeroBitCount)
        for id in MerkleTreeShape.perfectSubtrees(start: start, count: count) {
            hashes.append(try source.hash(of: id))
        }
        return MerkleTreeShape.fold(hashes, using: hasher)
    }
}
