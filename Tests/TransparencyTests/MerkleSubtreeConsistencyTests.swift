import Crypto
import Foundation
import Transparency
import XCTest

/// Every `subtreeconsistency` probe of transparency-dev/merkle: subtree consistency proofs of
/// the Merkle Tree Certificates draft. Happy paths verify; every mutation fails.
///
/// Seven `additional` probes expect an *empty* subtree ([0, 0), [1, 1)) to be accepted with any
/// empty proof — some with 12-byte "roots" or a random tree root. That is leniency of one
/// implementation, not the draft's definition (a subtree has start < end, hashes are 32 bytes),
/// as `vectors/README.md` notes for the similar consistency probe. Our verifier is strict: the
/// test asserts it rejects exactly these seven and agrees with every other probe.
final class MerkleSubtreeConsistencyTests: XCTestCase {
    static let lenientProbes: Set<String> = [
        "sizes-are-equal-one-and-proof-is-empty.json",
        "subtree-is-empty-sizes-are-equal-one-subtree-root-valid-proof-is-empty.json",
        "subtree-is-empty-sizes-are-equal-one-subtree-root-valid-tree-root-random-proof-is-empty.json",
        "subtree-is-empty-sizes-are-equal-zero-subtree-root-valid-proof-is-empty.json",
        "subtree-is-empty-sizes-are-equal-zero-subtree-root-valid-tree-root-random-proof-is-empty.json",
        "subtree-is-empty-subtree-root-valid-proof-is-empty.json",
        "subtree-is-empty-subtree-root-valid-tree-root-random-proof-is-empty.json",
    ]

    struct Probe: Decodable {
        let start: UInt64, end: UInt64, size: UInt64, root1: String, root2: String, proof: [String]?
        let desc: String, wantErr: Bool
    }

    func testEverySubtreeConsistencyProbe() throws {
        let hasher = try SHA256Hasher()
        let files = try MerkleFixtures.jsonFiles(under: "transparency-dev-merkle/testdata/subtreeconsistency")
        XCTAssertEqual(files.count, 118)
        var verified = 0, rejected = 0
        for file in files {
            let probe = try JSONDecoder().decode(Probe.self, from: Data(contentsOf: file))
            let raw = (subtree: try bytes(base64: probe.root1), root: try bytes(base64: probe.root2),
                       proof: try (probe.proof ?? []).map { try bytes(base64: $0) })
            let error = proofError { () throws(MerkleProofError) in
                let subtree = try MerkleVerification.decodeHash(raw.subtree, field: "root1")
                let root = try MerkleVerification.decodeHash(raw.root, field: "root2")
                let proof = try MerkleVerification.decodeProof(raw.proof)
                try MerkleVerification.verifySubtreeConsistency(
                    start: probe.start, end: probe.end, treeSize: probe.size, proof: proof,
                    subtreeHash: subtree, root: root, using: hasher)
            }
            if Self.lenientProbes.contains(file.lastPathComponent) {
                XCTAssertFalse(probe.wantErr, "\(file.lastPathComponent) is listed as lenient, so it expects success")
                XCTAssertNotNil(error, "\(file.lastPathComponent): an empty subtree or a short hash is refused")
                rejected += 1
            } else if probe.wantErr {
                XCTAssertNotNil(error, "\(file.lastPathComponent): \(probe.desc) must fail")
                rejected += 1
            } else {
                XCTAssertNil(error, "\(file.lastPathComponent): \(probe.desc): \(error.map(String.init(describing:)) ?? "")")
                verified += 1
            }
        }
        XCTAssertEqual(verified, 5, "the five happy paths, one per numbered folder")
        XCTAssertEqual(rejected, 113)
    }

    func testSubtreeDefinition() {
        XCTAssertTrue(MerkleVerification.isSubtree(start: 0, end: 1))
        XCTAssertTrue(MerkleVerification.isSubtree(start: 8, end: 13))  // size 5, ceiling 8, 8 % 8 == 0
        XCTAssertTrue(MerkleVerification.isSubtree(start: 0, end: 15))
        XCTAssertFalse(MerkleVerification.isSubtree(start: 4, end: 9))  // size 5, ceiling 8, 4 % 8 != 0
        XCTAssertFalse(MerkleVerification.isSubtree(start: 2, end: 5))
        XCTAssertFalse(MerkleVerification.isSubtree(start: 3, end: 3))
    }
}
