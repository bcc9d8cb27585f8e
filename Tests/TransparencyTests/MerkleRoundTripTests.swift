import Crypto
import Transparency
import XCTest

/// Our generator against a literal transcription of RFC 9162 and against our verifier, for
/// every (index, size) and (size1, size2) pair up to 64 leaves, with mutations of every proof
/// that must all be refused.
final class MerkleRoundTripTests: XCTestCase {
    private static let maxSize = 64
    private var hasher: SHA256Hasher!
    private var tree: MerkleTestTree!

    override func setUpWithError() throws {
        hasher = try SHA256Hasher()
        tree = MerkleTestTree(
            entries: (0..<Self.maxSize).map { Array("event \($0)".utf8) }, using: hasher)
    }

    private func verifyInclusion(
        _ leafHash: SHA256Digest, _ index: UInt64, _ size: UInt64, _ proof: [SHA256Digest], _ root: SHA256Digest
    ) -> MerkleProofError? {
        proofError { () throws(MerkleProofError) in
            try MerkleVerification.verifyInclusion(
                leafHash: leafHash, leafIndex: index, treeSize: size, proof: proof, root: root, using: hasher)
        }
    }

    private func verifyConsistency(
        _ m: UInt64, _ n: UInt64, _ r1: SHA256Digest, _ r2: SHA256Digest, _ proof: [SHA256Digest]
    ) -> MerkleProofError? {
        proofError { () throws(MerkleProofError) in
            try MerkleVerification.verifyConsistency(
                oldSize: m, newSize: n, oldRoot: r1, newRoot: r2, proof: proof, using: hasher)
        }
    }

    func testInclusionProofsForEveryIndexAndSize() throws {
        var checked = 0
        for size in 1...UInt64(Self.maxSize) {
            let root = tree.frontierRoots[Int(size)]
            for index in 0..<size {
                let label = "leaf \(index) of \(size)"
                let leafHash = tree.leafHashes[Int(index)]
                let proof = try MerkleTree.inclusionProof(leafIndex: index, treeSize: size, source: tree.store, using: hasher)
                XCTAssertEqual(proof, MerkleReference.path(Int(index), tree.leafHashes[..<Int(size)], hasher), label)
                XCTAssertEqual(proof.count, MerkleVerification.inclusionProofLength(leafIndex: index, treeSize: size), label)
                XCTAssertNil(verifyInclusion(leafHash, index, size, proof, root), label)
                checked += 1

                // Any changed hash leads elsewhere.
                for position in proof.indices {
                    var bent = proof
                    bent[position] = proof[position].flippingBit(position * 37 + 5)
                    guard case .rootMismatch = verifyInclusion(leafHash, index, size, bent, root) else {
                        return XCTFail("\(label): flipped bit in proof[\(position)] was not a root mismatch")
                    }
                }
                XCTAssertEqual(verifyInclusion(leafHash.flippingBit(3), index, size, proof, root).map(Self.kind), "rootMismatch", label)
                XCTAssertEqual(verifyInclusion(leafHash, index, size, proof, root.flippingBit(200)).map(Self.kind), "rootMismatch", label)
                // Any other position or size fails.
                for other in 0..<size where other != index {
                    XCTAssertNotNil(verifyInclusion(leafHash, other, size, proof, root), "\(label) claimed as leaf \(other)")
                }
                // Another size comes with its own root (sizes are bound through the roots, see
                // testSizesAreBoundThroughTheRoot).
                for otherSize in [size - 1, size + 1, size * 2, size / 2]
                where otherSize != size && otherSize > index && otherSize <= Self.maxSize {
                    XCTAssertNotNil(verifyInclusion(leafHash, index, otherSize, proof, tree.frontierRoots[Int(otherSize)]),
                                    "\(label) claimed for size \(otherSize)")
                }
                XCTAssertEqual(verifyInclusion(leafHash, size, size, proof, root), .leafIndexBeyondSize(leafIndex: size, treeSize: size))
                // Added or removed hashes.
                let expected = proof.count
                XCTAssertEqual(verifyInclusion(leafHash, index, size, proof + [root], root),
                               .wrongProofLength(expected: expected, got: expected + 1), label)
                XCTAssertEqual(verifyInclusion(leafHash, index, size, [leafHash] + proof, root),
                               .wrongProofLength(expected: expected, got: expected + 1), label)
                if !proof.isEmpty {
                    XCTAssertEqual(verifyInclusion(leafHash, index, size, Array(proof.dropLast()), root),
                                   .wrongProofLength(expected: expected, got: expected - 1), label)
                }
            }
        }
        XCTAssertEqual(checked, 64 * 65 / 2)
    }

    func testConsistencyProofsForEveryPairOfSizes() throws {
        var checked = 0
        for newSize in 0...UInt64(Self.maxSize) {
            let newRoot = tree.frontierRoots[Int(newSize)]
            for oldSize in 0...newSize {
                let label = "from \(oldSize) to \(newSize)"
                let oldRoot = tree.frontierRoots[Int(oldSize)]
                let proof = try MerkleTree.consistencyProof(from: oldSize, to: newSize, source: tree.store, using: hasher)
                XCTAssertEqual(proof, MerkleReference.proof(Int(oldSize), tree.leafHashes[..<Int(newSize)], hasher), label)
                XCTAssertEqual(proof.count, MerkleVerification.consistencyProofLength(oldSize: oldSize, newSize: newSize), label)
                XCTAssertNil(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof), label)
                checked += 1

                if oldSize == 0 || oldSize == newSize {
                    XCTAssertTrue(proof.isEmpty, label)
                    XCTAssertEqual(verifyConsistency(oldSize, newSize, oldRoot, newRoot, [newRoot]),
                                   .emptyProofRequired(oldSize: oldSize, newSize: newSize, got: 1), label)
                    continue
                }
                // Every proof hash is used: a changed one breaks the old or the new root.
                for position in proof.indices {
                    var bent = proof
                    bent[position] = proof[position].flippingBit(position * 53 + 1)
                    let kind = verifyConsistency(oldSize, newSize, oldRoot, newRoot, bent).map(Self.kind)
                    XCTAssertTrue(kind == "oldRootMismatch" || kind == "newRootMismatch", "\(label), proof[\(position)]: \(String(describing: kind))")
                }
                XCTAssertNotNil(verifyConsistency(oldSize, newSize, oldRoot.flippingBit(9), newRoot, proof), label)
                XCTAssertEqual(verifyConsistency(oldSize, newSize, oldRoot, newRoot.flippingBit(9), proof).map(Self.kind),
                               "newRootMismatch", label)
                XCTAssertNotNil(verifyConsistency(oldSize, newSize, newRoot, oldRoot, proof), "\(label), swapped roots")
                // Other sizes, with their own roots, fail.
                for (m, n) in [(oldSize - 1, newSize), (oldSize + 1, newSize), (oldSize, newSize + 1),
                               (oldSize, newSize - 1), (oldSize ^ 2, newSize), (oldSize, newSize * 2)]
                where (m, n) != (oldSize, newSize) && m <= n && n <= Self.maxSize {
                    XCTAssertNotNil(verifyConsistency(m, n, tree.frontierRoots[Int(m)], tree.frontierRoots[Int(n)], proof),
                                    "\(label) claimed from \(m) to \(n)")
                }
                XCTAssertEqual(verifyConsistency(newSize, oldSize, newRoot, oldRoot, proof),
                               .sizesOutOfOrder(oldSize: newSize, newSize: oldSize))
                // Added or removed hashes.
                let expected = proof.count
                XCTAssertEqual(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof + [newRoot]),
                               .wrongProofLength(expected: expected, got: expected + 1), label)
                XCTAssertEqual(verifyConsistency(oldSize, newSize, oldRoot, newRoot, [oldRoot] + proof),
                               .wrongProofLength(expected: expected, got: expected + 1), label)
                XCTAssertEqual(verifyConsistency(oldSize, newSize, oldRoot, newRoot, Array(proof.dropFirst())),
                               .wrongProofLength(expected: expected, got: expected - 1), label)
            }
        }
        XCTAssertEqual(checked, 65 * 66 / 2)
    }

    /// RFC 9162 verification uses the sizes only for the shape of the path, so a proof also
    /// verifies, against the same root, for a different size whose path has the same shape. That
    /// is sound only because a checkpoint signs size and root together; pinned here so nobody
    /// mistakes the verifier for one that checks the size on its own.
    func testSizesAreBoundThroughTheRoot() throws {
        let root64 = tree.frontierRoots[64]
        let proof = try MerkleTree.inclusionProof(leafIndex: 36, treeSize: 64, source: tree.store, using: hasher)
        XCTAssertNil(verifyInclusion(tree.leafHashes[36], 36, 63, proof, root64), "same shape for leaf 36 in 63 and 64")
        XCTAssertNotNil(verifyInclusion(tree.leafHashes[36], 36, 63, proof, tree.frontierRoots[63]))
        let consistency = try MerkleTree.consistencyProof(from: 1, to: 3, source: tree.store, using: hasher)
        XCTAssertNil(verifyConsistency(1, 4, tree.frontierRoots[1], tree.frontierRoots[3], consistency))
        XCTAssertNotNil(verifyConsistency(1, 4, tree.frontierRoots[1], tree.frontierRoots[4], consistency))
    }

    /// The case name of an error, for assertions that do not care about the hashes involved.
    private static func kind(_ error: MerkleProofError) -> String {
        switch error {
        case .malformedHash: "malformedHash"
        case .leafIndexBeyondSize: "leafIndexBeyondSize"
        case .sizesOutOfOrder: "sizesOutOfOrder"
        case .wrongProofLength: "wrongProofLength"
        case .emptyProofRequired: "emptyProofRequired"
        case .notEmptyTreeRoot: "notEmptyTreeRoot"
        case .rootsDiffer: "rootsDiffer"
        case .rootMismatch: "rootMismatch"
        case .oldRootMismatch: "oldRootMismatch"
        case .newRootMismatch: "newRootMismatch"
        case .invalidSubtree: "invalidSubtree"
        case .subtreeProofMismatch: "subtreeProofMismatch"
        }
    }
}
