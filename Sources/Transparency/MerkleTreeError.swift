/// Why a root or proof could not be produced: the request names leaves the tree does not have,
/// or the node store failed to provide a node.
public enum MerkleTreeError<SourceFailure: Error>: Error, CustomStringConvertible {
    /// An inclusion proof was asked for a leaf at or beyond the end of the tree.
    case leafIndexBeyondSize(leafIndex: UInt64, treeSize: UInt64)
    /// A consistency proof was asked from a larger tree to a smaller one.
    case sizesOutOfOrder(oldSize: UInt64, newSize: UInt64)
    /// The node store could not provide a node (its own error, unchanged).
    case source(SourceFailure)

    public var description: String {
        switch self {
        case let .leafIndexBeyondSize(leafIndex, treeSize):
            return "no inclusion proof for leaf \(leafIndex): a tree of size \(treeSize) has leaves 0..<\(treeSize)"
        case let .sizesOutOfOrder(oldSize, newSize):
            return "no consistency proof from size \(oldSize) to the smaller size \(newSize): "
                + "the old size must not exceed the new one"
        case let .source(failure):
            return "the Merkle node store failed: \(failure)"
        }
    }
}

extension MerkleTreeError: Equatable where SourceFailure: Equatable {}
