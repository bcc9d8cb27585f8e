import Crypto

/// The right edge of a Merkle tree: the root of one perfect subtree per set bit of the size,
/// largest first. It is all an appender needs in memory (at most 64 hashes), and it yields the
/// current root without touching storage.
///
/// Appending leaf `n` completes exactly the perfect subtrees that end at `n` (one per trailing
/// one-bit of `n`, plus the leaf itself: two on average); `append` hands those back so the
/// caller can persist them in the same transaction as the entry. A store that holds every node
/// ever returned can then serve any root or proof for any earlier size through `MerkleTree`.
public struct MerkleFrontier: Sendable, Equatable {
    /// Number of leaves appended so far.
    public private(set) var size: UInt64
    /// Roots of the perfect subtrees that make up the tree, left to right (largest first).
    private var edge: [SHA256Digest]

    /// The empty tree.
    public init() {
        size = 0
        edge = []
    }

    /// Rebuilds the frontier of a tree of `size` leaves from a store, reading one node per set
    /// bit of `size` (at most 64 reads).
    public init<Source: MerkleNodeSource>(size: UInt64, source: Source) throws(Source.Failure) {
        var edge: [SHA256Digest] = []
        edge.reserveCapacity(size.nonzeroBitCount)
        for id in MerkleTreeShape.perfectSubtrees(start: 0, count: size) {
            edge.append(try source.hash(of: id))
        }
        self.size = size
        self.edge = edge
    }

    /// The ids and hashes of the perfect subtrees on the right edge, left to right: what
    /// `init(size:source:)` reads back.
    public var perfectSubtrees: [(id: MerkleNodeID, hash: SHA256Digest)] {
        zip(MerkleTreeShape.perfectSubtrees(start: 0, count: size), edge).map { (id: $0, hash: $1) }
    }

    /// Appends the leaf with hash `leafHash` (see `MerkleHash.leaf`) at index `size`.
    ///
    /// - Returns: every perfect subtree this leaf completes, the leaf itself (level 0) first,
    ///   then upward. Persisting them all is what makes later proofs possible.
    public mutating func append(leafHash: SHA256Digest, using hasher: SHA256Hasher)
        -> [(id: MerkleNodeID, hash: SHA256Digest)]
    {
        precondition(size < UInt64.max, "a Merkle tree holds at most UInt64.max leaves")
        let leafIndex = size
        var completed: [(id: MerkleNodeID, hash: SHA256Digest)] = [
            (id: MerkleNodeID(level: 0, index: leafIndex), hash: leafHash),
        ]
        var carry = leafHash
        var level = 0
        // Each trailing one-bit of the old size is a perfect subtree of the same height that
        // now has a right sibling: merge them and carry the result one level up.
        while leafIndex >> UInt64(level) & 1 == 1 {
            carry = MerkleHash.node(edge.removeLast(), carry, using: hasher)
            level += 1
            completed.append((id: MerkleNodeID(level: level, index: leafIndex >> UInt64(level)), hash: carry))
        }
        edge.append(carry)
        size = leafIndex + 1
        return completed
    }

    /// The RFC 9162 root of the current tree (`MerkleHash.emptyRoot` when empty).
    public func root(using hasher: SHA256Hasher) -> SHA256Digest {
        MerkleTreeShape.fold(edge, using: hasher)
    }
}
