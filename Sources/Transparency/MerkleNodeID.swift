/// Names one *perfect* subtree of the log: the `2^level` leaves
/// `[index · 2^level, (index + 1) · 2^level)`. Level 0 nodes are leaf hashes.
///
/// A perfect subtree's hash never changes once its last leaf is appended, so it is the unit a
/// store persists. Every root and every proof of any tree size can be assembled from
/// O(log n) of them, because RFC 9162's split (largest power of two smaller than n) always
/// produces perfect left subtrees plus a right edge that is itself a run of perfect subtrees.
public struct MerkleNodeID: Hashable, Sendable, CustomStringConvertible {
    /// Height above the leaves: the subtree holds `2^level` leaves.
    public let level: Int
    /// Position among the subtrees of the same level, counted from the left.
    public let index: UInt64

    /// Creates an id. A subtree that could not fit in a log of at most `UInt64.max` leaves is a
    /// programming error and stops the process.
    public init(level: Int, index: UInt64) {
        precondition((0...63).contains(level), "a Merkle node level is 0...63, not \(level)")
        precondition(index < UInt64.max >> UInt64(level),
                     "node index \(index) at level \(level) lies beyond any tree of UInt64.max leaves")
        self.level = level
        self.index = index
    }

    /// The first leaf the subtree covers.
    public var firstLeaf: UInt64 { index << UInt64(level) }
    /// How many leaves the subtree covers: `2^level`.
    public var leafCount: UInt64 { 1 << UInt64(level) }
    /// The leaves covered, `firstLeaf ..< firstLeaf + leafCount`.
    public var leaves: Range<UInt64> { firstLeaf ..< firstLeaf + leafCount }

    public var description: String {
        "Merkle node (level \(level), index \(index)) covering leaves [\(leaves.lowerBound), \(leaves.upperBound))"
    }
}
