import Crypto

/// An in-memory node store: a dictionary of perfect-subtree hashes. For tests, for small
/// trees, and for staging nodes before they are written elsewhere.
public struct MerkleMemoryStore: MerkleNodeSource, Sendable, Equatable {
    /// Every recorded node.
    public private(set) var nodes: [MerkleNodeID: SHA256Digest] = [:]

    public init() {}

    /// Records nodes as returned by `MerkleFrontier.append`.
    public mutating func record(_ completed: [(id: MerkleNodeID, hash: SHA256Digest)]) {
        for node in completed { nodes[node.id] = node.hash }
    }

    /// Records one node.
    public mutating func record(_ hash: SHA256Digest, for node: MerkleNodeID) {
        nodes[node] = hash
    }

    public func hash(of node: MerkleNodeID) throws(MerkleNodeMissing) -> SHA256Digest {
        guard let hash = nodes[node] else { throw MerkleNodeMissing(node: node) }
        return hash
    }
}
