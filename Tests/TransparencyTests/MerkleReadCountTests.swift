import Crypto
import Transparency
import XCTest

/// Roots and proofs must cost O(log n) node reads, never a pass over the log: counted through a
/// source that tallies every read, on a tree of several thousand leaves.
final class MerkleReadCountTests: XCTestCase {
    private static let leafCount = 5000

    /// 2·⌈log2 n⌉ + 2: the bound the design promises.
    private static func bound(_ n: UInt64) -> Int {
        2 * (64 - (n - 1).leadingZeroBitCount) + 2
    }

    func testRootsReadOneNodePerSetBit() throws {
        let hasher = try SHA256Hasher()
        let tree = MerkleTestTree.byteLeaves(Self.leafCount, using: hasher)
        let source = CountingNodeSource(tree.store)
        for size in 0...UInt64(Self.leafCount) {
            source.resetCount()
            XCTAssertEqual(try MerkleTree.root(size: size, source: source, using: hasher), tree.frontierRoots[Int(size)])
            XCTAssertEqual(source.reads, size.nonzeroBitCount, "root of size \(size)")
        }
    }

    func testProofsReadLogarithmicallyManyNodes() throws {
        let hasher = try SHA256Hasher()
        let tree = MerkleTestTree.byteLeaves(Self.leafCount, using: hasher)
        let source = CountingNodeSource(tree.store)
        for size: UInt64 in [1000, 1023, 1024, 1025, 2047, 3071, 4095, 4096, 4097, 5000] {
            let root = tree.frontierRoots[Int(size)]
            var maxInclusionReads = 0
            for index in 0..<size {
                source.resetCount()
                let proof = try MerkleTree.inclusionProof(leafIndex: index, treeSize: size, source: source, using: hasher)
                maxInclusionReads = max(maxInclusionReads, source.reads)
                XCTAssertLessThanOrEqual(source.reads, Self.bound(size), "inclusion of \(index) in \(size)")
                try MerkleVerification.verifyInclusion(
                    leafHash: tree.leafHashes[Int(index)], leafIndex: index, treeSize: size,
                    proof: proof, root: root, using: hasher)
            }
            var maxConsistencyReads = 0
            for oldSize in 0...size {
                source.resetCount()
                let proof = try MerkleTree.consistencyProof(from: oldSize, to: size, source: source, using: hasher)
                maxConsistencyReads = max(maxConsistencyReads, source.reads)
                XCTAssertLessThanOrEqual(source.reads, Self.bound(size), "consistency from \(oldSize) to \(size)")
                try MerkleVerification.verifyConsistency(
                    oldSize: oldSize, newSize: size, oldRoot: tree.frontierRoots[Int(oldSize)], newRoot: root,
                    proof: proof, using: hasher)
            }
            // The bound is not vacuous: proofs do read about log2 n nodes.
            XCTAssertGreaterThanOrEqual(maxInclusionReads, 64 - (size - 1).leadingZeroBitCount, "size \(size)")
            XCTAssertGreaterThanOrEqual(maxConsistencyReads, 64 - (size - 1).leadingZeroBitCount - 1, "size \(size)")
        }
    }

    func testSmallTreesStayWithinTheBound() throws {
        let hasher = try SHA256Hasher()
        let tree = MerkleTestTree.byteLeaves(64, using: hasher)
        let source = CountingNodeSource(tree.store)
        for size in 1...UInt64(64) {
            for index in 0..<size {
                source.resetCount()
                _ = try MerkleTree.inclusionProof(leafIndex: index, treeSize: size, source: source, using: hasher)
                XCTAssertLessThanOrEqual(source.reads, Self.bound(size), "inclusion of \(index) in \(size)")
            }
            for oldSize in 0...size {
                source.resetCount()
                _ = try MerkleTree.consistencyProof(from: oldSize, to: size, source: source, using: hasher)
                XCTAssertLessThanOrEqual(source.reads, Self.bound(size), "consistency from \(oldSize) to \(size)")
            }
        }
    }
}
