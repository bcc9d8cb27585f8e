import CanonicalJSON
import Crypto
import EventLog
import Foundation
import Service
import Transparency
import XCTest

/// Checkpoints and RFC 9162 proofs served over HTTP, verified by the client side code.
final class ProofRoutesTests: XCTestCase {
    func testCheckpointAndProofsVerify() throws {
        let h = try ServiceHarness()
        let admin = try h.token("admin", .admin)
        let auditor = try h.token("audit", .auditor)
        XCTAssertEqual(h.request("GET", "/v1/checkpoints/latest", token: auditor).status, 404)
        for index in 1 ... 5 {
            XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.proposal("P-\(index)")).status, 201)
        }
        let signer = try NoteSignerKey(name: try h.store.origin(), privateKey: try Ed25519PrivateKey.generate())
        let checkpoint = try h.store.checkpoint(signer: signer)

        let latest = h.request("GET", "/v1/checkpoints/latest", token: auditor)
        XCTAssertEqual(latest.status, 200, latest.text)
        XCTAssertEqual(latest.json?.objectValue?["size"], 5)
        XCTAssertEqual(latest.json?.objectValue?["note"]?.stringValue, checkpoint.note)
        let root = try SHA256Digest(hex: try XCTUnwrap(latest.json?.objectValue?["root"]?.stringValue))

        let hasher = try SHA256Hasher()
        let inclusion = h.request("GET", "/v1/proofs/inclusion?seq=3&size=5", token: auditor)
        XCTAssertEqual(inclusion.status, 200, inclusion.text)
        let path = try XCTUnwrap(inclusion.json?.objectValue?["proof"]?.arrayValue).map { try SHA256Digest(hex: $0.stringValue ?? "") }
        let event = try XCTUnwrap(h.store.event(at: 3))
        XCTAssertNoThrow(try MerkleVerification.verifyInclusion(
            leafHash: MerkleHash.leaf(event.canonicalBytes, using: hasher), leafIndex: 2, treeSize: 5,
            proof: path, root: root, using: hasher))

        let consistency = h.request("GET", "/v1/proofs/consistency?from=2&to=5", token: auditor)
        XCTAssertEqual(consistency.status, 200, consistency.text)
        let object = try XCTUnwrap(consistency.json?.objectValue)
        let proof = try XCTUnwrap(object["proof"]?.arrayValue).map { try SHA256Digest(hex: $0.stringValue ?? "") }
        XCTAssertEqual(object["toRoot"]?.stringValue, root.hex)
        XCTAssertNoThrow(try MerkleVerification.verifyConsistency(
            oldSize: 2, newSize: 5, oldRoot: try SHA256Digest(hex: object["fromRoot"]?.stringValue ?? ""), newRoot: root,
            proof: proof, using: hasher))

        let beyond = h.request("GET", "/v1/proofs/inclusion?seq=3&size=9", token: auditor)
        XCTAssertEqual(beyond.status, 422)
        XCTAssertTrue(beyond.json?.objectValue?["detail"]?.stringValue?.contains("5 events") ?? false, beyond.text)
        XCTAssertEqual(h.request("GET", "/v1/proofs/consistency?from=5&to=2", token: auditor).status, 422)
        XCTAssertEqual(h.request("GET", "/v1/proofs/inclusion?seq=3", token: auditor).status, 400)
    }
}
