import Crypto
import Transparency
import XCTest

/// The 8-leaf RFC 6962 reference tree (`rfc6962-reference-tree/reference_tree_8.json`): every
/// root, inclusion proof and consistency proof, produced through the frontier, the node store
/// and `MerkleTree`, must equal the vector and verify.
final class MerkleReferenceTreeTests: XCTestCase {
    struct Vector: Decodable {
        struct Inclusion: Decodable {
            let leafIndex: UInt64, treeSize: UInt64, leafHash: String, root: String, proof: [String]
        }
        struct Consistency: Decodable {
            let size1: UInt64, size2: UInt64, root1: String, root2: String, proof: [String]
        }
        let leavesHex: [String]
        let rootsBySize: [String]
        let inclusion: [Inclusion]
        let consistency: [Consistency]
    }

    private var hasher: SHA256Hasher!
    private var vector: Vector!
    private var tree: MerkleTestTree!

    override func setUpWithError() throws {
        hasher = try SHA256Hasher()
        vector = try MerkleFixtures.decode(Vector.self, from: "rfc6962-reference-tree/reference_tree_8.json")
        tree = MerkleTestTree(entries: try vector.leavesHex.map { try bytes(hex: $0) }, using: hasher)
    }

    func testAllNineRoots() throws {
        XCTAssertEqual(vector.rootsBySize.count, 9)
        for (size, rootHex) in vector.rootsBySize.enumerated() {
            let expected = try digest(hex: rootHex)
            XCTAssertEqual(try MerkleTree.root(size: UInt64(size), source: tree.store, using: hasher), expected,
                           "root of size \(size)")
            XCTAssertEqual(tree.frontierRoots[size], expected, "frontier root at size \(size)")
            XCTAssertEqual(MerkleTree.rootFromLeafHashes(Array(tree.leafHashes.prefix(size)), using: hasher), expected)
        }
    }

    func testEveryInclusionProof() throws {
        XCTAssertEqual(vector.inclusion.count, 36, "one per (index, size) with index < size ≤ 8")
        for entry in vector.inclusion {
            let label = "leaf \(entry.leafIndex) of \(entry.treeSize)"
            let leafHash = try digest(hex: entry.leafHash)
            let root = try digest(hex: entry.root)
            let expected = try entry.proof.map { try digest(hex: $0) }
            XCTAssertEqual(tree.leafHashes[Int(entry.leafIndex)], leafHash, label)
            let proof = try MerkleTree.inclusionProof(
                leafIndex: entry.leafIndex, treeSize: entry.treeSize, source: tree.store, using: hasher)
            XCTAssertEqual(proof, expected, label)
            XCTAssertEqual(MerkleVerification.inclusionProofLength(leafIndex: entry.leafIndex, treeSize: entry.treeSize),
                           expected.count, label)
            XCTAssertNil(proofError { () throws(MerkleProofError) in
                try MerkleVerification.verifyInclusion(
                    leafHash: leafHash, leafIndex: entry.leafIndex, treeSize: entry.treeSize,
                    proof: expected, root: root, using: hasher)
            }, label)
        }
    }

    func testEveryConsistencyProof() throws {
        XCTAssertEqual(vector.consistency.count, 36, "one per (size1, size2) with 1 ≤ size1 ≤ size2 ≤ 8")
        for entry in vector.consistency {
            let label = "from \(entry.size1) to \(entry.size2)"
            let root1 = try digest(hex: entry.root1)
            let root2 = try digest(hex: entry.root2)
            let expected = try entry.proof.map { try digest(hex: $0) }
            XCTAssertEqual(root1, tree.frontierRoots[Int(entry.size1)], label)
            XCTAssertEqual(root2, tree.frontierRoots[Int(entry.size2)], label)
            let proof = try MerkleTree.consistencyProof(
                from: entry.size1, to: entry.size2, source: tree.store, using: hasher)
            XCTAssertEqual(proof, expected, label)
            XCTAssertEqual(MerkleVerification.consistencyProofLength(oldSize: entry.size1, newSize: entry.size2),
                           expected.count, label)
            XCTAssertNil(proofError { () throws(MerkleProofError) in
                try MerkleVerification.verifyConsistency(
                    oldSize: entry.size1, newSize: entry.size2, oldRoot: root1, newRoot: root2,
                    proof: expected, using: hasher)
            }, label)
        }
    }
}
