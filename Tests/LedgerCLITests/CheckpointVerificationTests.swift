import CanonicalJSON
import Crypto
import EventLog
import Foundation
import Transparency
import XCTest

/// End to end on real ledger files: an auditor keeps a checkpoint and its own copy of the
/// verifier key; later `verify --checkpoint` must tell an append-only extension from a cut tail,
/// a rewritten history and a fork, naming which.
final class CheckpointVerificationTests: XCTestCase {
    private var cli: CLIHarness!
    /// The auditor's checkpoint of the first 20 events, and their copy of the key.
    private var kept: String!
    private var key: String!

    override func setUpWithError() throws {
        cli = try CLIHarness()
        try cli.makeLedger(events: 20)
        kept = try cli.checkpoint("kept-20.note")
        key = try cli.keepVerifierKey(as: "auditor-copy.vkey")
        try cli.append(13, offset: 20)
    }

    private func verify(_ data: String, checkpoint: String? = nil, json: Bool = false) -> CLIResult {
        cli.run(["verify", "--data", data, "--checkpoint", checkpoint ?? kept, "--key", key] + (json ? ["--json"] : []))
    }

    func testALedgerThatOnlyGrewIsAnExtensionAndTheProofSizeIsShown() throws {
        let proofLength = try XCTUnwrap(MerkleVerification.consistencyProofLength(oldSize: 20, newSize: 33))
        let result = verify(cli.data)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(result.lines.count, 2, result.stdout)
        XCTAssertTrue(result.lines[0].hasPrefix("intact: 33 events verified"), result.stdout)
        XCTAssertEqual(result.lines[1], "checkpoint: extension: the ledger's 33 events extend the checkpoint of size 20: consistency proof 20 → 33 of \(proofLength) hashes (\(proofLength * 32) bytes) verified against the signed root and the root recomputed from the events")

        let report = try JSONValue.parse(verify(cli.data, json: true).stdout)
        XCTAssertEqual(report["intact"], .bool(true))
        XCTAssertEqual(report["checkpoint"]?["verdict"], .string("extension"))
        XCTAssertEqual(report["checkpoint"]?["passed"], .bool(true))
        XCTAssertEqual(report["checkpoint"]?["size"], .integer(20))
        XCTAssertEqual(report["checkpoint"]?["ledgerSize"], .integer(33))
        XCTAssertEqual(report["checkpoint"]?["proofSize"], .integer(Int64(proofLength)))
        XCTAssertEqual(report["checkpoint"]?["ledgerRoot"], .string(try cli.store().merkleRoot(size: 33).hex))
        XCTAssertEqual(report["checkpoint"]?["signedBy"], .array([.string(try cli.verifierKey(key).encoded)]))

        let byDefaultKey = cli.run(["verify", "--data", cli.data, "--checkpoint", kept])
        XCTAssertEqual(byDefaultKey.status, 0, "without --key the data directory's signing-key.vkey is trusted")
    }

    func testATruncatedLedgerFileIsACutTail() throws {
        let cut = try cli.copyData(to: "cut")
        try SQLiteFile(path: cut + "/ledger.sqlite").execute("""
            \(dropAllTriggers)
            DELETE FROM cosignatures; DELETE FROM checkpoints WHERE size > 15; DELETE FROM events WHERE seq > 15;
            DELETE FROM merkle_nodes WHERE (idx + 1) * (1 << level) > 15;
            """)
        let chainOnly = cli.run(["verify", "--data", cut])
        XCTAssertEqual(chainOnly.status, 0, "the chain alone cannot see a cut tail: \(chainOnly.stdout)")

        let expected = "checkpoint: cut tail: the checkpoint commits to 20 events, but the ledger ends at seq 15: seqs 16–20 were cut off"
        let result = verify(cut)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.lines, [result.lines[0], expected], result.stdout)
        XCTAssertTrue(result.lines[0].hasPrefix("intact: 15 events verified"), result.stdout)
        XCTAssertEqual(try JSONValue.parse(verify(cut, json: true).stdout)["checkpoint"]?["verdict"], .string("cut-tail"))

        let binary = try CLIHarness.runProcess(["verify", "--data", cut, "--checkpoint", kept, "--key", key])
        XCTAssertEqual(binary.status, 1, binary.stderr)
        XCTAssertEqual(binary.lines.last, expected)
    }

    func testAHistoryRewrittenWithAFreshConsistentChainIsNamed() throws {
        // A second ledger with the same events except one amount: a fresh, internally consistent chain.
        let forgery = cli.path("forgery")
        try cli.makeLedger(events: 0, in: forgery)
        try cli.append(20, offset: 0, to: forgery) { $0 == 7 ? "9999999.00" : "\(1000 + $0).00" }
        try cli.append(13, offset: 20, to: forgery)
        let rewritten = try cli.copyData(to: "rewritten")
        try SQLiteFile(path: rewritten + "/ledger.sqlite").execute("""
            \(dropAllTriggers)
            DELETE FROM cosignatures; DELETE FROM checkpoints; DELETE FROM events; DELETE FROM streams; DELETE FROM merkle_nodes;
            ATTACH '\(forgery)/ledger.sqlite' AS forged;
            INSERT INTO streams SELECT * FROM forged.streams; INSERT INTO events SELECT * FROM forged.events;
            INSERT INTO merkle_nodes SELECT * FROM forged.merkle_nodes;
            """)
        let chainOnly = cli.run(["verify", "--data", rewritten])
        XCTAssertEqual(chainOnly.status, 0, "the rewritten chain is internally consistent: \(chainOnly.stdout)")

        let forgedRoot = try cli.store(forgery).merkleRoot(size: 20)
        let signedRoot = try cli.store().merkleRoot(size: 20)
        XCTAssertNotEqual(forgedRoot, signedRoot)
        let result = verify(rewritten)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.lines.last, "checkpoint: rewritten history: the root of the ledger's first 20 events is \(forgedRoot.hex), but the checkpoint signed \(signedRoot.hex): events it covers were changed or replaced by another, internally consistent chain")
        let report = try JSONValue.parse(verify(rewritten, json: true).stdout)
        XCTAssertEqual(report["intact"], .bool(true))
        XCTAssertEqual(report["checkpoint"]?["verdict"], .string("rewritten-history"))
        XCTAssertEqual(report["checkpoint"]?["ledgerRootAtSize"], .string(forgedRoot.hex))
    }

    func testTwoCopiesThatDivergedUnderOneKeyAreAFork() throws {
        // The operator copies the ledger and shows each auditor another continuation, signed with the same key.
        let other = try cli.copyData(to: "other-view")
        try cli.append(4, offset: 33)
        try cli.append(4, offset: 500, to: other)
        let shownToAuditor = try cli.checkpoint("main-37.note")
        let otherCheckpoint = try cli.checkpoint("other-37.note", in: other)

        let result = verify(other, checkpoint: shownToAuditor)
        XCTAssertEqual(result.status, 1)
        let vkey = try cli.verifierKey(key).encoded
        let mainRoot = try cli.store().merkleRoot(size: 37).hex
        let otherRoot = try cli.store(other).merkleRoot(size: 37).hex
        XCTAssertEqual(result.lines.last, "checkpoint: fork: the ledger holds its own checkpoint of size 37, signed by \(vkey), with root \(otherRoot); the given checkpoint, signed by \(vkey), has root \(mainRoot): two signed, conflicting views of the ledger")
        let report = try JSONValue.parse(verify(other, checkpoint: shownToAuditor, json: true).stdout)
        XCTAssertEqual(report["checkpoint"]?["verdict"], .string("fork"))
        XCTAssertEqual(report["checkpoint"]?["conflictingCheckpoint"], .string(try String(contentsOfFile: otherCheckpoint, encoding: .utf8)))

        // The older checkpoint both copies share still says each of them only grew.
        XCTAssertEqual(verify(other).status, 0)
        XCTAssertEqual(verify(cli.data).status, 0)
    }

    func testCheckpointsFromAnotherKeyOrLedgerAndBadInputAreRefused() throws {
        let stranger = cli.path("stranger")
        try cli.makeLedger(events: 20, in: stranger)
        let foreign = try cli.checkpoint("foreign.note", in: stranger)
        let untrusted = verify(cli.data, checkpoint: foreign)
        XCTAssertEqual(untrusted.status, 1)
        XCTAssertTrue(untrusted.lines.last?.hasPrefix("checkpoint: untrusted checkpoint: no signature from a trusted key") ?? false, untrusted.stdout)
        let wrongLedger = cli.run(["verify", "--data", cli.data, "--checkpoint", foreign, "--key", stranger + "/signing-key.vkey"])
        XCTAssertEqual(wrongLedger.status, 1)
        XCTAssertTrue(wrongLedger.lines.last?.hasPrefix("checkpoint: wrong ledger: the checkpoint is for oda-ledger/") ?? false, wrongLedger.stdout)

        XCTAssertEqual(cli.run(["verify", "--data", cli.data, "--key", key]).status, 2, "--key needs --checkpoint")
        let missing = cli.run(["verify", "--data", cli.data, "--checkpoint", cli.path("nothing.note")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("cannot read the checkpoint"), missing.stderr)
        let badKey = cli.run(["verify", "--data", cli.data, "--checkpoint", kept, "--key", "not-a-key"])
        XCTAssertEqual(badKey.status, 2)
        XCTAssertTrue(badKey.stderr.contains("neither a file nor a verifier key"), badKey.stderr)
    }
}
