import Crypto
import Transparency
import XCTest

/// The append structure: what each append completes, what ends up in the store, and that a
/// frontier rebuilt from the store is the live one.
final class MerkleFrontierTests: XCTestCase {
    func testEmptyFrontier() throws {
        let hasher = try SHA256Hasher()
        let frontier = MerkleFrontier()
        XCTAssertEqual(frontier.size, 0)
        XCTAssertEqual(frontier.root(using: hasher), MerkleHash.emptyRoot)
        XCTAssertTrue(frontier.perfectSubtrees.isEmpty)
        XCTAssertEqual(try MerkleFrontier(size: 0, source: MerkleMemoryStore()), frontier)
        XCTAssertEqual(try MerkleTree.root(size: 0, source: MerkleMemoryStore(), using: hasher), MerkleHash.emptyRoot)
    }

    func testAppendReturnsExactlyTheSubtreesItCompletes() throws {
        let hasher = try SHA256Hasher()
        let leaves = (0..<300).map { MerkleHash.leaf([UInt8(truncatingIfNeeded: $0), 0xAB], using: hasher) }
        var frontier = MerkleFrontier()
        for (n, leafHash) in leaves.enumerated() {
            let completed = frontier.append(leafHash: leafHash, using: hasher)
            // Leaf n completes the leaf itself and one subtree per trailing one-bit of n.
            let expectedIDs = (0...(~n).trailingZeroBitCount).map { MerkleNodeID(level: $0, index: UInt64(n >> $0)) }
            XCTAssertEqual(completed.map(\.id), expectedIDs, "append of leaf \(n)")
            XCTAssertEqual(completed.first?.hash, leafHash)
            for node in completed {
                let covered = leaves[Int(node.id.leaves.lowerBound)..<Int(node.id.leaves.upperBound)]
                XCTAssertEqual(node.hash, MerkleTree.rootFromLeafHashes(Array(covered), using: hasher), "\(node.id)")
                XCTAssertEqual(node.id.leaves.upperBound, UInt64(n + 1), "a completed subtree ends at the new leaf")
            }
            XCTAssertEqual(frontier.size, UInt64(n + 1))
        }
    }

    func testStoreHoldsEveryPerfectSubtreeOnce() throws {
        let hasher = try SHA256Hasher()
        let tree = MerkleTestTree.byteLeaves(1000, using: hasher)
        // n leaves have n + n/2 + n/4 + … = 2n - popcount(n) perfect subtrees: about 2 per leaf.
        XCTAssertEqual(tree.store.nodes.count, 2 * 1000 - 1000.nonzeroBitCount)
        for (id, hash) in tree.store.nodes {
            let covered = tree.leafHashes[Int(id.leaves.lowerBound)..<Int(id.leaves.upperBound)]
            XCTAssertEqual(hash, MerkleTree.rootFromLeafHashes(Array(covered), using: hasher), "\(id)")
        }
    }

    func testRootAtEverySizeMatchesTheReference() throws {
        let hasher = try SHA256Hasher()
        let tree = MerkleTestTree.byteLeaves(300, using: hasher)
        for size in 0...300 {
            let reference = MerkleTree.rootFromLeafHashes(Array(tree.leafHashes.prefix(size)), using: hasher)
            XCTAssertEqual(tree.frontierRoots[size], reference, "frontier root at size \(size)")
            XCTAssertEqual(try MerkleTree.root(size: UInt64(size), source: tree.store, using: hasher), reference,
                           "store root at size \(size)")
        }
    }

    func testFrontierRebuiltFromTheStoreEqualsTheLiveOne() throws {
        let hasher = try SHA256Hasher()
        let leaves = (0..<300).map { MerkleHash.leaf([UInt8(truncatingIfNeeded: $0 * 7)], using: hasher) }
        var live = MerkleFrontier()
        var store = MerkleMemoryStore()
        for size in 0...leaves.count {
            let counting = CountingNodeSource(store)
            let rebuilt = try MerkleFrontier(size: UInt64(size), source: counting)
            XCTAssertEqual(rebuilt, live, "size \(size)")
            XCTAssertEqual(counting.reads, size.nonzeroBitCount, "one read per set bit of \(size)")
            XCTAssertEqual(rebuilt.root(using: hasher), live.root(using: hasher))
            XCTAssertEqual(rebuilt.perfectSubtrees.map(\.id), live.perfectSubtrees.map(\.id))
            for node in rebuilt.perfectSubtrees {
                XCTAssertEqual(try store.hash(of: node.id), node.hash)
            }
            guard size < leaves.count else { break }
            // A rebuilt frontier continues exactly like the live one.
            var continued = rebuilt
            let fromRebuilt = continued.append(leafHash: leaves[size], using: hasher)
            let fromLive = live.append(leafHash: leaves[size], using: hasher)
            XCTAssertEqual(fromRebuilt.map(\.id), fromLive.map(\.id))
            XCTAssertEqual(fromRebuilt.map(\.hash), fromLive.map(\.hash))
            XCTAssertEqual(continued, live)
            store.record(fromLive)
        }
    }

    func testPerfectSubtreesDescribeTheRightEdge() throws {
        let hasher = try SHA256Hasher()
        let tree = MerkleTestTree.byteLeaves(13, using: hasher)
        // 13 = 8 + 4 + 1: leaves [0, 8), [8, 12), [12, 13).
        XCTAssertEqual(tree.frontier.perfectSubtrees.map(\.id), [
            MerkleNodeID(level: 3, index: 0), MerkleNodeID(level: 2, index: 2), MerkleNodeID(level: 0, index: 12),
        ])
    }

    func testRebuildingBeyondTheStoreNamesTheMissingNode() throws {
        let hasher = try SHA256Hasher()
        let tree = MerkleTestTree.byteLeaves(5, using: hasher)
        XCTAssertThrowsError(try MerkleFrontier(size: 8, source: tree.store)) { error in
            XCTAssertEqual(error as? MerkleNodeMissing, MerkleNodeMissing(node: MerkleNodeID(level: 3, index: 0)))
        }
        do {
            _ = try MerkleTree.root(size: 6, source: tree.store, using: hasher)
            XCTFail("size 6 needs leaf 5, which was never appended")
        } catch {
            XCTAssertEqual(error, MerkleNodeMissing(node: MerkleNodeID(level: 1, index: 2)))
        }
    }
}
