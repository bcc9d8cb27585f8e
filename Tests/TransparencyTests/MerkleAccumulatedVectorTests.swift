import Crypto
import Transparency
import XCTest

/// `rfc6962-reference-tree/accumulated_130.json`: a tree whose leaf i is the single byte i, up to
/// 130 leaves. Each family of results is written out as text lines (formats given by the file)
/// and the SHA-256 of all lines must equal the published digest.
final class MerkleAccumulatedVectorTests: XCTestCase {
    struct Family: Decodable {
        let line: String
        let sha256: String
    }
    struct Vector: Decodable {
        struct Published: Decodable {
            let subtreeHashes: Family
            let subtreeInclusionProofs: Family
        }
        struct Generated: Decodable {
            let roots: Family
            let inclusionProofs: Family
            let consistencyProofs: Family
        }
        let published: Published
        let generated: Generated
    }

    private static let maxSize = 130
    private var hasher: SHA256Hasher!
    private var vector: Vector!
    private var tree: MerkleTestTree!

    override func setUpWithError() throws {
        hasher = try SHA256Hasher()
        vector = try MerkleFixtures.decode(Vector.self, from: "rfc6962-reference-tree/accumulated_130.json")
        tree = MerkleTestTree.byteLeaves(Self.maxSize, using: hasher)
    }

    private static func line(_ head: String, _ proof: [SHA256Digest]) -> String {
        proof.reduce(head) { $0 + " " + $1.hex }
    }

    /// "{size} {root}" for size 0...130.
    func testRoots() throws {
        XCTAssertEqual(vector.generated.roots.line, "{size} {root}")
        let digest = try RollingDigest()
        for size in 0...Self.maxSize {
            let root = try MerkleTree.root(size: UInt64(size), source: tree.store, using: hasher)
            XCTAssertEqual(root, tree.frontierRoots[size])
            digest.add("\(size) \(root.hex)")
        }
        XCTAssertEqual(digest.lines, 131)
        XCTAssertEqual(digest.finalize(), vector.generated.roots.sha256)
    }

    /// "{index} {size}" + " hex" per proof hash, size 1...130, index 0..<size; each proof also verifies.
    func testInclusionProofs() throws {
        let digest = try RollingDigest()
        for size in 1...UInt64(Self.maxSize) {
            for index in 0..<size {
                let proof = try MerkleTree.inclusionProof(leafIndex: index, treeSize: size, source: tree.store, using: hasher)
                digest.add(Self.line("\(index) \(size)", proof))
                XCTAssertNil(proofError { () throws(MerkleProofError) in
                    try MerkleVerification.verifyInclusion(
                        leafHash: tree.leafHashes[Int(index)], leafIndex: index, treeSize: size,
                        proof: proof, root: tree.frontierRoots[Int(size)], using: hasher)
                }, "leaf \(index) of \(size)")
            }
        }
        XCTAssertEqual(digest.lines, 130 * 131 / 2)
        XCTAssertEqual(digest.finalize(), vector.generated.inclusionProofs.sha256)
    }

    /// "{size1} {size2}" + " hex" per proof hash, size2 1...130, size1 1...size2; each proof also verifies.
    func testConsistencyProofs() throws {
        let digest = try RollingDigest()
        for size2 in 1...UInt64(Self.maxSize) {
            for size1 in 1...size2 {
                let proof = try MerkleTree.consistencyProof(from: size1, to: size2, source: tree.store, using: hasher)
                digest.add(Self.line("\(size1) \(size2)", proof))
                XCTAssertNil(proofError { () throws(MerkleProofError) in
                    try MerkleVerification.verifyConsistency(
                        oldSize: size1, newSize: size2,
                        oldRoot: tree.frontierRoots[Int(size1)], newRoot: tree.frontierRoots[Int(size2)],
                        proof: proof, using: hasher)
                }, "from \(size1) to \(size2)")
            }
        }
        XCTAssertEqual(digest.lines, 130 * 131 / 2)
        XCTAssertEqual(digest.finalize(), vector.generated.consistencyProofs.sha256)
    }

    /// Published subtree vectors (draft-ietf-plants-merkle-tree-certs): "[{start}, {end}) {hash}"
    /// and "{index} [{start}, {end})" + proof, over every valid subtree [start, end) of the
    /// 130-leaf tree. The subtree of leaves [start, end) is the tree of size end - start over the
    /// leaves from `start` on, so a store built from those leaves yields its hash and proofs
    /// through the ordinary API.
    func testPublishedSubtreeHashesAndInclusionProofs() throws {
        XCTAssertEqual(vector.published.subtreeHashes.line, "[{start}, {end}) {hash}")
        let suffixStores = (0...Self.maxSize).map {
            MerkleTestTree(leafHashes: Array(tree.leafHashes[$0...]), using: hasher).store
        }
        let hashes = try RollingDigest()
        let proofs = try RollingDigest()
        for end in 0...UInt64(Self.maxSize) {
            for start in 0...end where Self.isValidSubtree(start: start, end: end) {
                let store = suffixStores[Int(start)]
                let hash = try MerkleTree.root(size: end - start, source: store, using: hasher)
                hashes.add("[\(start), \(end)) \(hash.hex)")
                for index in start..<end {
                    let proof = try MerkleTree.inclusionProof(
                        leafIndex: index - start, treeSize: end - start, source: store, using: hasher)
                    proofs.add(Self.line("\(index) [\(start), \(end))", proof))
                }
            }
        }
        XCTAssertEqual(hashes.finalize(), vector.published.subtreeHashes.sha256)
        XCTAssertEqual(proofs.finalize(), vector.published.subtreeInclusionProofs.sha256)
    }

    /// start == 0, start == end, or start a multiple of the smallest power of two ≥ end - start.
    static func isValidSubtree(start: UInt64, end: UInt64) -> Bool {
        if start == 0 || start == end { return true }
        return start % (1 << UInt64(64 - (end - start - 1).leadingZeroBitCount)) == 0
    }
}
