import CanonicalJSON
import Crypto
import EventLog
import Transparency
import XCTest

/// Spec §8 bundles: what `ProofBundle.verify` accepts, and that any change to a bundle is caught.
final class ProofBundleTests: XCTestCase {
    private var ledger: TestLedger!
    private var store: EventStore!
    private var signer: NoteSignerKey!
    private var old: StoredCheckpoint!
    private var new: StoredCheckpoint!

    override func setUpWithError() throws {
        ledger = try TestLedger()
        store = try ledger.open()
        signer = try NoteSignerKey(name: try store.origin(), privateKey: try Ed25519PrivateKey.generate())
        _ = try store.append((0..<21).map { proposed("project:\($0 % 4)", "AnnualBudgetRevised", $0) }, actor: recorder)
        old = try store.checkpoint(signer: signer)
        _ = try store.append((0..<18).map { proposed("project:\($0 % 4)", "AnnualBudgetRevised", $0) }, actor: recorder)
        new = try store.checkpoint(signer: signer)
    }

    private func inclusion(seq: Int64, in checkpoint: StoredCheckpoint) throws -> ProofBundle {
        let event = try XCTUnwrap(try store.event(at: seq))
        return .inclusion(InclusionProofBundle(
            checkpoint: checkpoint.note, event: try XCTUnwrap(event.exportJSON.objectValue), leafIndex: seq - 1,
            treeSize: checkpoint.size, proof: try store.inclusionProof(seq: seq, treeSize: checkpoint.size)))
    }

    private func consistency() throws -> ProofBundle {
        .consistency(ConsistencyProofBundle(oldCheckpoint: old.note, newCheckpoint: new.note, oldSize: old.size,
                                            newSize: new.size, proof: try store.consistencyProof(from: old.size, to: new.size)))
    }

    func testBundlesRoundTripThroughTheirCanonicalBytesAndVerify() throws {
        for seq: Int64 in [1, 2, 16, 21, 22, 39] {
            let bundle = try inclusion(seq: seq, in: seq <= 21 ? old : new)
            let parsed = try ProofBundle.parse(bundle.canonicalBytes)
            XCTAssertEqual(parsed, bundle)
            XCTAssertEqual(try parsed.verify(trusting: [signer.verifierKey]), [signer.verifierKey], "seq \(seq)")
        }
        let bundle = try consistency()
        XCTAssertEqual(try ProofBundle.parse(bundle.canonicalBytes + [0x0A]), bundle, "one final line feed is tolerated")
        XCTAssertNoThrow(try bundle.verify(trusting: [signer.verifierKey]))
        let text = String(decoding: bundle.canonicalBytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix(#"{"format":"oda-ledger-proof/1","kind":"consistency","newCheckpoint":"#), text)
    }

    func testAFlippedProofByteFailsTheInclusionProof() throws {
        guard case let .inclusion(bundle) = try inclusion(seq: 9, in: old) else { return XCTFail() }
        var proof = bundle.proof
        var bytes = proof[2].bytes
        bytes[0] ^= 0x01
        proof[2] = try SHA256Digest(bytes: bytes)
        let tampered = ProofBundle.inclusion(InclusionProofBundle(
            checkpoint: bundle.checkpoint, event: bundle.event, leafIndex: bundle.leafIndex, treeSize: bundle.treeSize, proof: proof))
        XCTAssertThrowsError(try tampered.verify(trusting: [signer.verifierKey])) { error in
            guard case .proofRejected(.rootMismatch) = error as? ProofBundleError else { return XCTFail("\(error)") }
        }
    }

    func testADifferentEventFailsEvenWithItsOwnCorrectHash() throws {
        guard case let .inclusion(bundle) = try inclusion(seq: 9, in: old), case let .inclusion(other) = try inclusion(seq: 10, in: old)
        else { return XCTFail() }
        // Event 10 (its hash is right) presented as leaf 9, and as leaf 10 with event 9's path.
        let swapped = ProofBundle.inclusion(InclusionProofBundle(
            checkpoint: bundle.checkpoint, event: other.event, leafIndex: 9, treeSize: bundle.treeSize, proof: bundle.proof))
        XCTAssertThrowsError(try swapped.verify(trusting: [signer.verifierKey])) { error in
            guard case .proofRejected(.rootMismatch) = error as? ProofBundleError else { return XCTFail("\(error)") }
        }
        let relabelled = ProofBundle.inclusion(InclusionProofBundle(
            checkpoint: bundle.checkpoint, event: other.event, leafIndex: 8, treeSize: bundle.treeSize, proof: bundle.proof))
        XCTAssertThrowsError(try relabelled.verify(trusting: [signer.verifierKey])) { error in
            XCTAssertEqual(error as? ProofBundleError, .leafIndexMismatch(leafIndex: 8, seq: 10))
        }
        // Event 9 with a changed amount and its hash member left alone.
        var event = bundle.event
        var payload = try XCTUnwrap(event["payload"]?.objectValue)
        payload["budgetLine"] = "BL-changed"
        event["payload"] = .object(payload)
        let edited = ProofBundle.inclusion(InclusionProofBundle(
            checkpoint: bundle.checkpoint, event: event, leafIndex: 8, treeSize: bundle.treeSize, proof: bundle.proof))
        XCTAssertThrowsError(try edited.verify(trusting: [signer.verifierKey])) { error in
            guard case let .badEvent(reason) = error as? ProofBundleError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("/hash"), reason)
        }
    }

    func testCheckpointsMustBeSignedByATrustedKeyAndMatchTheBundleSizes() throws {
        let stranger = try NoteSignerKey(name: try store.origin(), privateKey: try Ed25519PrivateKey.generate())
        XCTAssertThrowsError(try consistency().verify(trusting: [stranger.verifierKey])) { error in
            guard case .untrustedCheckpoint(member: "oldCheckpoint", .noTrustedSignature) = error as? ProofBundleError else {
                return XCTFail("\(error)")
            }
        }
        guard case let .consistency(bundle) = try consistency() else { return XCTFail() }
        let resized = ProofBundle.consistency(ConsistencyProofBundle(
            oldCheckpoint: bundle.oldCheckpoint, newCheckpoint: bundle.newCheckpoint, oldSize: bundle.oldSize + 1,
            newSize: bundle.newSize, proof: bundle.proof))
        XCTAssertThrowsError(try resized.verify(trusting: [signer.verifierKey])) { error in
            XCTAssertEqual(error as? ProofBundleError,
                           .badCheckpoint(member: "oldCheckpoint", reason: "it commits to size 21, the bundle says 22"))
        }
        var proof = bundle.proof
        proof.removeLast()
        let short = ProofBundle.consistency(ConsistencyProofBundle(
            oldCheckpoint: bundle.oldCheckpoint, newCheckpoint: bundle.newCheckpoint, oldSize: bundle.oldSize,
            newSize: bundle.newSize, proof: proof))
        XCTAssertThrowsError(try short.verify(trusting: [signer.verifierKey])) { error in
            guard case .proofRejected(.wrongProofLength) = error as? ProofBundleError else { return XCTFail("\(error)") }
        }
    }

    func testParsingRefusesAnythingButTheExactForm() throws {
        let bytes = try inclusion(seq: 3, in: old).canonicalBytes
        let text = String(decoding: bytes, as: UTF8.self)
        let cases: [(String, String)] = [
            (" " + text, "canonical form"),
            (text.replacingOccurrences(of: #""kind":"inclusion""#, with: #""kind":"audit""#), "kind must be inclusion or consistency"),
            (text.replacingOccurrences(of: #""leafIndex":2"#, with: #""leafIndex":2,"note":"x""#), "unknown members [\"note\"]"),
            (text.replacingOccurrences(of: #""format":"oda-ledger-proof/1""#, with: #""format":"oda-ledger-proof/2""#), "format must be"),
            ("[1]", "a bundle is a JSON object"),
        ]
        for (input, expected) in cases {
            XCTAssertThrowsError(try ProofBundle.parse(Array(input.utf8))) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(expected) not in \(error)")
            }
        }
        let firstHash = try XCTUnwrap(text.range(of: #"(?<="proof":\[")[0-9a-f]{64}"#, options: .regularExpression))
        let upper = text.replacingCharacters(in: firstHash, with: String(repeating: "A", count: 64))
        XCTAssertThrowsError(try ProofBundle.parse(Array(upper.utf8))) { error in
            XCTAssertTrue("\(error)".contains("proof[0] must be 64 lowercase hex digits"), "\(error)")
        }
    }
}
