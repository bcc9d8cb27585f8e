import CanonicalJSON
import Crypto
import EventLog
import Foundation
import Transparency
import XCTest

/// `oda-ledger prove`: the bundles it writes are checked here with the Transparency verifiers
/// directly (signed note, checkpoint body, RFC 9162 algorithms), not with the code that built
/// them, and must fail once tampered with.
final class ProofCommandTests: XCTestCase {
    private var cli: CLIHarness!

    override func setUpWithError() throws {
        cli = try CLIHarness()
        try cli.makeLedger(events: 30)
    }

    /// Checks an inclusion bundle step by step as spec §8 says; throws at the first failure.
    private func checkInclusion(_ text: String, key: NoteVerifierKey) throws -> (seq: Int64, treeSize: UInt64) {
        let bundle = try JSONValue.parse(text)
        XCTAssertEqual(bundle.canonicalString, text, "a bundle is canonical JSON")
        XCTAssertEqual(bundle["format"], "oda-ledger-proof/1")
        XCTAssertEqual(bundle["kind"], "inclusion")
        let note = try SignedNote.parse(try XCTUnwrap(bundle["checkpoint"]?.stringValue))
        XCTAssertEqual(try note.verify(trusting: [key]), [key])
        let checkpoint = try Checkpoint.parse(body: note.text)
        let treeSize = try XCTUnwrap(bundle["treeSize"]?.integerValue)
        XCTAssertEqual(checkpoint.size, UInt64(treeSize))
        let hasher = try SHA256Hasher()
        let event = try RecordedEvent(exportLine: try XCTUnwrap(bundle["event"]).canonicalBytes, hasher: hasher)
        let leafIndex = try XCTUnwrap(bundle["leafIndex"]?.integerValue)
        XCTAssertEqual(leafIndex, event.seq - 1)
        let proof = try XCTUnwrap(bundle["proof"]?.arrayValue).map { try SHA256Digest(hex: try XCTUnwrap($0.stringValue)) }
        try MerkleVerification.verifyInclusion(
            leafHash: MerkleHash.leaf(event.canonicalBytes, using: hasher), leafIndex: UInt64(leafIndex), treeSize: checkpoint.size,
            proof: proof, root: try SHA256Digest(bytes: checkpoint.rootHash), using: hasher)
        return (event.seq, checkpoint.size)
    }

    private func checkConsistency(_ text: String, key: NoteVerifierKey) throws -> (UInt64, UInt64) {
        let bundle = try JSONValue.parse(text)
        XCTAssertEqual(bundle["kind"], "consistency")
        func open(_ member: String) throws -> Checkpoint {
            let note = try SignedNote.parse(try XCTUnwrap(bundle[member]?.stringValue))
            _ = try note.verify(trusting: [key])
            return try Checkpoint.parse(body: note.text)
        }
        let old = try open("oldCheckpoint"), new = try open("newCheckpoint")
        XCTAssertEqual(bundle["oldSize"]?.integerValue, Int64(old.size))
        XCTAssertEqual(bundle["newSize"]?.integerValue, Int64(new.size))
        let proof = try XCTUnwrap(bundle["proof"]?.arrayValue).map { try SHA256Digest(hex: try XCTUnwrap($0.stringValue)) }
        try MerkleVerification.verifyConsistency(
            oldSize: old.size, newSize: new.size, oldRoot: try SHA256Digest(bytes: old.rootHash),
            newRoot: try SHA256Digest(bytes: new.rootHash), proof: proof, using: try SHA256Hasher())
        return (old.size, new.size)
    }

    /// The bundle text with the first hex digit of proof[index] changed.
    private func flippingProofDigit(_ text: String, index: Int) throws -> String {
        let hash = try XCTUnwrap(try JSONValue.parse(text)["proof"]?[index]?.stringValue)
        let flipped = (hash.first == "0" ? "1" : "0") + hash.dropFirst()
        return text.replacingOccurrences(of: hash, with: flipped)
    }

    func testAnInclusionBundleVerifiesAndFailsOnceTampered() throws {
        let checkpoint = try cli.checkpoint("cp30.note")
        let out = cli.path("seq17.json")
        let result = cli.run(["prove", "--data", cli.data, "--seq", "17", "--checkpoint", checkpoint, "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let key = try cli.verifierKey()
        XCTAssertEqual(result.stderr, "inclusion of seq 17 in the checkpoint of size 30: \(MerkleVerification.inclusionProofLength(leafIndex: 16, treeSize: 30)!) hashes, written to \(out); check it with the verifier key \(key)\n")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let checked = try checkInclusion(text, key: key)
        XCTAssertEqual(checked.seq, 17)
        XCTAssertEqual(checked.treeSize, 30)
        XCTAssertEqual(try JSONValue.parse(text)["checkpoint"]?.stringValue, try String(contentsOfFile: checkpoint, encoding: .utf8))

        // One flipped proof byte.
        let flipped = try flippingProofDigit(text, index: 1)
        XCTAssertThrowsError(try checkInclusion(flipped, key: key)) { error in
            guard case .rootMismatch = error as? MerkleProofError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try ProofBundle.parse(Array(flipped.utf8)).verify(trusting: [key]))

        // A different event (with its own correct hash) in place of seq 17.
        let other = try XCTUnwrap(cli.run(["log", "--data", cli.data, "--from", "18", "--to", "18"]).lines.first)
        var bundle = try XCTUnwrap(try JSONValue.parse(text).objectValue)
        bundle["event"] = try JSONValue.parse(other)
        bundle["leafIndex"] = 17
        let swapped = JSONValue.object(bundle).canonicalString
        XCTAssertThrowsError(try checkInclusion(swapped, key: key)) { error in
            guard case .rootMismatch = error as? MerkleProofError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try ProofBundle.parse(Array(swapped.utf8)).verify(trusting: [key]))
    }

    func testWithoutACheckpointTheSmallestStoredOneCoveringTheSeqIsUsedOrOneIsSigned() throws {
        _ = try cli.checkpoint("cp30.note")
        try cli.append(10, offset: 30)
        _ = try cli.checkpoint("cp40.note")
        try cli.append(5, offset: 40)
        let key = try cli.verifierKey()
        for (seq, expectedSize) in [("4", UInt64(30)), ("30", 30), ("31", 40), ("43", 45)] {
            let result = cli.run(["prove", "--data", cli.data, "--seq", seq])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(try checkInclusion(String(result.stdout.dropLast()), key: key).treeSize, expectedSize, "seq \(seq)")
        }
        let listed = cli.run(["checkpoint", "--data", cli.data, "--list"]).lines.dropFirst().map { $0.split(separator: " ")[0] }
        XCTAssertEqual(listed, ["30", "40", "45"], "seq 43 was covered by no checkpoint: one of the whole ledger was signed")
    }

    func testAConsistencyBundleVerifiesAndFailsOnceTampered() throws {
        let old = try cli.checkpoint("cp30.note")
        try cli.append(23, offset: 30)
        let new = try cli.checkpoint("cp53.note")
        try cli.append(2, offset: 53)
        let key = try cli.verifierKey()
        let result = cli.run(["prove", "--data", cli.data, "--from-checkpoint", old, "--to-checkpoint", new])
        XCTAssertEqual(result.status, 0, result.stderr)
        let text = String(result.stdout.dropLast())
        XCTAssertTrue(try checkConsistency(text, key: key) == (30, 53))
        XCTAssertThrowsError(try checkConsistency(try flippingProofDigit(text, index: 0), key: key))
        XCTAssertThrowsError(try ProofBundle.parse(Array(try flippingProofDigit(text, index: 0).utf8)).verify(trusting: [key]))

        let toNow = cli.run(["prove", "--data", cli.data, "--from-checkpoint", old])
        XCTAssertEqual(toNow.status, 0, toNow.stderr)
        XCTAssertTrue(try checkConsistency(String(toNow.stdout.dropLast()), key: key) == (30, 55), "NEW defaults to the ledger now")
    }

    func testCheckpointsThatDoNotMatchTheLedgerAreRefusedWithExitOne() throws {
        // Signed with the ledger's own key, but committing to another root.
        let signer = try cli.signer()
        let body = try Checkpoint(origin: signer.name, size: 25, root: SHA256.hash(Array("elsewhere".utf8))).body
        let forged = try cli.write("forged.note", try SignedNote.sign(text: body, with: [signer]).serialized)
        let result = cli.run(["prove", "--data", cli.data, "--seq", "3", "--checkpoint", forged])
        XCTAssertEqual(result.status, 1)
        let root = try cli.store().merkleRoot(size: 25).hex
        XCTAssertTrue(result.stderr.hasPrefix("oda-ledger prove: the ledger's root at size 25 is \(root), but the checkpoint \(forged) signed "), result.stderr)

        let stranger = cli.path("stranger")
        try cli.makeLedger(events: 30, in: stranger)
        let foreign = try cli.checkpoint("foreign.note", in: stranger)
        let untrusted = cli.run(["prove", "--data", cli.data, "--seq", "3", "--checkpoint", foreign])
        XCTAssertEqual(untrusted.status, 1)
        XCTAssertTrue(untrusted.stderr.contains("is not signed by a key trusted for this ledger"), untrusted.stderr)

        let beyond = cli.run(["prove", "--data", cli.data, "--seq", "31", "--checkpoint", try cli.checkpoint("cp30.note")])
        XCTAssertEqual(beyond.status, 2)
        XCTAssertTrue(beyond.stderr.contains("the ledger has 30 events; there is no seq 31"), beyond.stderr)
    }

    func testUsageMistakesExitTwo() throws {
        let cases: [([String], String)] = [
            ([], "say what to prove"),
            (["--seq", "1", "--from-checkpoint", "x"], "prove different things"),
            (["--seq", "1", "--to-checkpoint", "x"], "--to-checkpoint goes with --from-checkpoint"),
            (["--from-checkpoint", "x", "--checkpoint", "y"], "--checkpoint goes with --seq"),
            (["--seq", "0"], "--seq must be a whole number of at least 1"),
        ]
        for (arguments, expected) in cases {
            let result = cli.run(["prove", "--data", cli.data] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(expected), "\(expected) not in \(result.stderr)")
        }
    }
}
