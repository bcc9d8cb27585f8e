import CanonicalJSON
import Crypto
import EventLog
import Foundation
import Service
import Transparency
import XCTest

/// `GET` and `POST /v1/checkpoints/{size}/cosignatures`.
final class CosignatureRoutesTests: XCTestCase {
    func testAnAuditorsCosignatureIsVerifiedKeptAndListed() throws {
        let h = try ServiceHarness()
        let admin = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.organisation).status, 201)
        let signer = try NoteSignerKey(name: try h.store.origin(), privateKey: try Ed25519PrivateKey.generate())
        let stored = try h.store.checkpoint(signer: signer)
        let checkpoint = try Checkpoint.parse(body: try SignedNote.parse(stored.note).text)
        let auditor = try h.token("audrey", .auditor)
        let key = try Ed25519PrivateKey.generate()
        let name = "audit.example/witness"
        let vkey = try CosignatureVerifierKey(name: name, publicKey: key.publicKey)
        let line = try Cosignature.cosign(checkpoint: checkpoint, name: name, key: key, time: 1_750_000_000)
        func submit(_ cosigner: String, _ signature: String, size: Int64 = stored.size) -> ServiceHarness.Reply {
            h.request("POST", "/v1/checkpoints/\(size)/cosignatures", token: auditor,
                      body: JSONValue.object(["cosigner": .string(cosigner), "signature": .string(signature)]).canonicalString)
        }

        XCTAssertEqual(h.request("GET", "/v1/checkpoints/\(stored.size)/cosignatures", token: auditor).json?.objectValue?["cosignatures"], .array([]))
        // A signature by another key, or over another checkpoint, does not verify.
        let forger = try Ed25519PrivateKey.generate()
        let forged = try Cosignature.cosign(checkpoint: checkpoint, name: name, key: forger, time: 1_750_000_000)
        XCTAssertEqual(submit(vkey.encoded, forged.line).status, 422)
        let other = try Checkpoint(origin: checkpoint.origin, size: checkpoint.size, rootHash: [UInt8](repeating: 7, count: 32))
        XCTAssertEqual(submit(vkey.encoded, try Cosignature.cosign(checkpoint: other, name: name, key: key, time: 1).line).status, 422)
        XCTAssertEqual(submit("not a key", line.line).status, 422)
        XCTAssertEqual(submit(vkey.encoded, "— \(name) !!!").status, 422)
        XCTAssertEqual(submit(vkey.encoded, line.line, size: stored.size + 5).status, 404)
        XCTAssertEqual(h.request("POST", "/v1/checkpoints/x/cosignatures", token: auditor, body: "{}").status, 400)

        let kept = submit(vkey.encoded, line.line)
        XCTAssertEqual(kept.status, 201, kept.text)
        XCTAssertEqual(submit(vkey.encoded, line.line).status, 200)
        let listed = h.request("GET", "/v1/checkpoints/\(stored.size)/cosignatures", token: admin)
        let cosignatures = try XCTUnwrap(listed.json?.objectValue?["cosignatures"]?.arrayValue)
        XCTAssertEqual(cosignatures.count, 1)
        XCTAssertEqual(cosignatures.first?.objectValue?["name"]?.stringValue, name)
        XCTAssertEqual(cosignatures.first?.objectValue?["timestamp"], .integer(1_750_000_000))
        // The listed note verifies with the cosigner's key.
        let note = try SignedNote.parse(try XCTUnwrap(listed.json?.objectValue?["note"]?.stringValue))
        XCTAssertEqual(try Cosignature.verify(in: note, cosigner: vkey), 1_750_000_000)
        XCTAssertEqual(h.request("GET", "/v1/checkpoints/999/cosignatures", token: admin).status, 404)
    }
}
