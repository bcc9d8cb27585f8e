import Crypto
import Transparency
import XCTest

/// Known answers and domain separation of the RFC 9162 hash functions, plus the small value
/// types and the decoding guard.
final class MerkleHashTests: XCTestCase {
    func testEmptyRootIsSHA256OfNothing() throws {
        XCTAssertEqual(MerkleHash.emptyRoot.hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(MerkleTree.rootFromLeafHashes([], using: try SHA256Hasher()), MerkleHash.emptyRoot)
    }

    func testLeafHashKnownAnswers() throws {
        let hasher = try SHA256Hasher()
        // Leaves 0 and 1 of the RFC 6962 reference tree: "" and 0x00.
        XCTAssertEqual(MerkleHash.leaf([UInt8](), using: hasher).hex,
                       "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        XCTAssertEqual(MerkleHash.leaf([UInt8(0)], using: hasher).hex,
                       "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")
        // Any collection of bytes hashes the same as the array of its bytes.
        let entry: [UInt8] = Array("ODA Ledger".utf8)
        XCTAssertEqual(MerkleHash.leaf("ODA Ledger".utf8, using: hasher), MerkleHash.leaf(entry, using: hasher))
        XCTAssertEqual(MerkleHash.leaf(entry[2...], using: hasher), MerkleHash.leaf(Array(entry[2...]), using: hasher))
    }

    func testNodeHashKnownAnswer() throws {
        let hasher = try SHA256Hasher()
        let left = MerkleHash.leaf([UInt8](), using: hasher)
        let right = MerkleHash.leaf([UInt8(0)], using: hasher)
        // Root of the 2-leaf reference tree.
        XCTAssertEqual(MerkleHash.node(left, right, using: hasher).hex,
                       "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")
        XCTAssertNotEqual(MerkleHash.node(left, right, using: hasher), MerkleHash.node(right, left, using: hasher))
    }

    func testPrefixesSeparateLeavesFromNodes() throws {
        let hasher = try SHA256Hasher()
        let entry: [UInt8] = [1, 2, 3]
        XCTAssertEqual(MerkleHash.leaf(entry, using: hasher), hasher.hash([0x00] + entry))
        XCTAssertNotEqual(MerkleHash.leaf(entry, using: hasher), hasher.hash(entry))
        let a = MerkleHash.leaf([UInt8(1)], using: hasher)
        let b = MerkleHash.leaf([UInt8(2)], using: hasher)
        XCTAssertEqual(MerkleHash.node(a, b, using: hasher), hasher.hash([0x01] + a.bytes + b.bytes))
        // A node can never be passed off as the leaf whose entry is its two children.
        XCTAssertNotEqual(MerkleHash.node(a, b, using: hasher), MerkleHash.leaf(a.bytes + b.bytes, using: hasher))
    }

    func testNodeIDCoversItsLeaves() {
        let id = MerkleNodeID(level: 3, index: 5)
        XCTAssertEqual(id.firstLeaf, 40)
        XCTAssertEqual(id.leafCount, 8)
        XCTAssertEqual(id.leaves, 40..<48)
        XCTAssertEqual(id.description, "Merkle node (level 3, index 5) covering leaves [40, 48)")
        XCTAssertEqual(MerkleNodeID(level: 0, index: 7).leaves, 7..<8)
        XCTAssertEqual(MerkleNodeID(level: 63, index: 0).leaves, 0..<(1 << 63))
        XCTAssertEqual(Set([MerkleNodeID(level: 1, index: 2), MerkleNodeID(level: 1, index: 2)]).count, 1)
    }

    func testDecodeHashAcceptsOnly32Bytes() throws {
        let good = [UInt8](repeating: 7, count: 32)
        XCTAssertEqual(try MerkleVerification.decodeHash(good, field: "root").bytes, good)
        XCTAssertEqual(try MerkleVerification.decodeHash(good[...], field: "root").bytes, good)
        for count in [0, 1, 12, 31, 33, 64] {
            let error = proofError { () throws(MerkleProofError) in
                _ = try MerkleVerification.decodeHash([UInt8](repeating: 0, count: count), field: "root")
            }
            XCTAssertEqual(error, .malformedHash(field: "root", byteCount: count))
        }
        let proofError = proofError { () throws(MerkleProofError) in
            _ = try MerkleVerification.decodeProof([good, good, [1, 2, 3], []])
        }
        XCTAssertEqual(proofError, .malformedHash(field: "proof[2]", byteCount: 3))
        XCTAssertEqual(proofError?.description, "proof[2] has 3 bytes; a SHA-256 Merkle hash has 32")
        XCTAssertEqual(try MerkleVerification.decodeProof([good, good]).count, 2)
        XCTAssertEqual(try MerkleVerification.decodeProof([]), [])
    }

    func testErrorMessagesNameTheNumbers() {
        let a = MerkleHash.emptyRoot
        let b = SHA256Digest.zero
        let messages: [(MerkleProofError, [String])] = [
            (.leafIndexBeyondSize(leafIndex: 9, treeSize: 4), ["9", "4"]),
            (.sizesOutOfOrder(oldSize: 8, newSize: 3), ["8", "3"]),
            (.wrongProofLength(expected: 3, got: 5), ["3", "5"]),
            (.emptyProofRequired(oldSize: 2, newSize: 2, got: 1), ["2", "1", "empty"]),
            (.notEmptyTreeRoot(b), [a.hex, b.hex]),
            (.rootsDiffer(size: 6, oldRoot: a, newRoot: b), ["6", a.hex, b.hex]),
            (.rootMismatch(computed: a, expected: b), [a.hex, b.hex]),
            (.oldRootMismatch(computed: a, expected: b), ["old root", a.hex, b.hex]),
            (.newRootMismatch(computed: a, expected: b), ["new root", a.hex, b.hex]),
        ]
        for (error, fragments) in messages {
            for fragment in fragments {
                XCTAssertTrue(error.description.contains(fragment), "\(error.description) lacks \(fragment)")
            }
        }
        let missing = MerkleNodeMissing(node: MerkleNodeID(level: 2, index: 3))
        XCTAssertTrue(missing.description.contains("[12, 16)"), missing.description)
        let treeError = MerkleTreeError<MerkleNodeMissing>.source(missing)
        XCTAssertTrue(treeError.description.contains(missing.description), treeError.description)
        XCTAssertTrue(MerkleTreeError<MerkleNodeMissing>.leafIndexBeyondSize(leafIndex: 5, treeSize: 5)
            .description.contains("0..<5"))
    }
}
