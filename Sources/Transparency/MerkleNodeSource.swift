import Crypto

/// Where tree computations read perfect-subtree hashes from: a database table, a cache, or
/// `MerkleMemoryStore` in tests.
///
/// A source is only ever asked for nodes that are complete in the tree size the caller named,
/// i.e. nodes whose last leaf is below that size. Roots and proofs need O(log n) reads; no
/// computation of this module walks the leaves.
public protocol MerkleNodeSource {
    /// What a failed read throws: a missing row, an I/O error of the store.
    associatedtype Failure: Error

    /// The hash of a complete perfect subtree recorded earlier (see `MerkleFrontier.append`).
    func hash(of node: MerkleNodeID) throws(Failure) -> SHA256Digest
}

/// A source did not hold a node it was asked for: either the requested tree size is larger
/// than what was recorded, or nodes returned by `MerkleFrontier.append` were not persisted.
public struct MerkleNodeMissing: Error, Equatable, Sendable, CustomStringConvertible {
    public let node: MerkleNodeID

    public init(node: MerkleNodeID) { self.node = node }

    public var description: String {
        "\(node) is not in the node store: the store holds fewer than \(node.leaves.upperBound) leaves, "
            + "or nodes returned by MerkleFrontier.append were not persisted"
    }
}

