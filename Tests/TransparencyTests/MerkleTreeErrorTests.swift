import Crypto
import Transparency
import XCTest

/// Requests for proofs that cannot exist, and stores that lack a node, fail with errors that say
/// which.
final class MerkleTreeErrorTests: XCTestCase {
    private typealias TreeError = MerkleTreeError<MerkleNodeMissing>

    private func inclusionError(_ index: UInt64, _ size: UInt64, _ store: MerkleMemoryStore) throws -> TreeError? {
        let hasher = try SHA256Hasher()
        do {
            _ = try MerkleTree.inclusionProof(leafIndex: index, treeSize: size, source: store, using: hasher)
            return nil
        } catch {
            return error
        }
    }

    private func consistencyError(_ m: UInt64, _ n: UInt64, _ store: MerkleMemoryStore) throws -> TreeError? {
        let hasher = try SHA256Hasher()
        do {
            _ = try MerkleTree.consistencyProof(from: m, to: n, source: store, using: hasher)
            return nil
        } catch {
            return error
        }
    }

    func testProofsThatCannotExist() throws {
        let tree = MerkleTestTree.byteLeaves(10, using: try SHA256Hasher())
        XCTAssertEqual(try inclusionError(10, 10, tree.store), .leafIndexBeyondSize(leafIndex: 10, treeSize: 10))
        XCTAssertEqual(try inclusionError(0, 0, tree.store), .leafIndexBeyondSize(leafIndex: 0, treeSize: 0))
        XCTAssertEqual(try consistencyError(7, 6, tree.store), .sizesOutOfOrder(oldSize: 7, newSize: 6))
        XCTAssertNil(try inclusionError(9, 10, tree.store))
        XCTAssertNil(try consistencyError(0, 10, tree.store))
        XCTAssertNil(try consistencyError(10, 10, tree.store))
    }

    func testProofsBeyondTheStoreNameTheMissingNode() throws {
        let tree = MerkleTestTree.byteLeaves(10, using: try SHA256Hasher())
        // Size 12 needs the perfect subtree [8, 12), of which the store has only [8, 10).
        XCTAssertEqual(try inclusionError(0, 12, tree.store), .source(MerkleNodeMissing(node: MerkleNodeID(level: 2, index: 2))))
        XCTAssertEqual(try consistencyError(4, 11, tree.store), .source(MerkleNodeMissing(node: MerkleNodeID(level: 0, index: 10))))
        XCTAssertEqual(try inclusionError(3, 11, tree.store), .source(MerkleNodeMissing(node: MerkleNodeID(level: 0, index: 10))))
        // A leaf's own hash is never part of its proof: leaf 10 of 11 needs only [0, 8) and [8, 10).
        XCTAssertNil(try inclusionError(10, 11, tree.store))
    }

    func testTypedErrorsOfTheOrdinaryStore() throws {
        // The error type follows the source: a store with its own failure type gets it back
        // unchanged inside `.source`.
        struct Offline: Error, Equatable {}
        struct OfflineSource: MerkleNodeSource {
            func hash(of node: MerkleNodeID) throws(Offline) -> SHA256Digest { throw Offline() }
        }
        let hasher = try SHA256Hasher()
        do {
            _ = try MerkleTree.inclusionProof(leafIndex: 1, treeSize: 2, source: OfflineSource(), using: hasher)
            XCTFail("the source cannot read")
        } catch {
            XCTAssertEqual(error, MerkleTreeError<Offline>.source(Offline()))
        }
        XCTAssertThrowsError(try MerkleTree.root(size: 3, source: OfflineSource(), using: hasher)) {
            XCTAssertTrue($0 is Offline)
        }
        XCTAssertEqual(try MerkleTree.root(size: 0, source: OfflineSource(), using: hasher), MerkleHash.emptyRoot,
                       "the empty tree needs no read")
    }
}
