import Crypto
import EventLog
import SQLite
import Transparency
import XCTest

/// `EventStore.auditCheckpoint`: every verdict, on real ledger files changed the way someone
/// with write access could change them.
final class CheckpointAuditTests: XCTestCase {
    private var ledger: TestLedger!
    private var store: EventStore!
    private var signer: NoteSignerKey!
    /// The checkpoint of the first 20 events, as an auditor keeps it.
    private var kept: String!

    override func setUpWithError() throws {
        ledger = try TestLedger()
        store = try ledger.open()
        signer = try NoteSignerKey(name: try store.origin(), privateKey: try Ed25519PrivateKey.generate())
        try append(20)
        kept = try store.checkpoint(signer: signer).note
        try append(13)
    }

    private func append(_ count: Int, amount: String? = nil) throws {
        _ = try store.append((0..<count).map { proposed("project:\($0 % 3)", "AnnualBudgetRevised", $0, amount: amount) }, actor: recorder)
    }

    private func audit(_ note: String? = nil, trusting keys: [NoteVerifierKey]? = nil) throws -> CheckpointAuditReport {
        try ledger.open(.readOnly).auditCheckpoint(note: note ?? kept, trusting: keys ?? [signer.verifierKey])
    }

    private func raw(_ sql: String) throws {
        let connection = try ledger.rawConnection()
        try connection.execute(sql)
    }

    func testAnExtensionCarriesAVerifiedConsistencyProof() throws {
        let report = try audit()
        guard case let .appendOnlyExtension(proof) = report.verdict else { return XCTFail("\(report.verdict)") }
        XCTAssertEqual(proof.count, MerkleVerification.consistencyProofLength(oldSize: 20, newSize: 33))
        XCTAssertEqual(proof, try store.consistencyProof(from: 20, to: 33))
        XCTAssertTrue(report.passed)
        XCTAssertEqual(report.ledgerSize, 33)
        XCTAssertEqual(report.ledgerRoot, try store.merkleRoot(size: 33))
        XCTAssertEqual(report.signers, [signer.verifierKey])
        XCTAssertEqual(report.detail, "the ledger's 33 events extend the checkpoint of size 20: consistency proof 20 → 33 of \(proof.count) hashes (\(proof.count * 32) bytes) verified against the signed root and the root recomputed from the events")

        let now = try store.checkpoint(signer: signer).note
        XCTAssertEqual(try audit(now).verdict, .appendOnlyExtension(proof: []), "a checkpoint of the whole ledger needs no proof")
    }

    func testACutTailIsNamed() throws {
        try raw("""
            DROP TRIGGER events_are_append_only_delete; DROP TRIGGER merkle_nodes_are_append_only_delete;
            DELETE FROM events WHERE seq > 17; DELETE FROM merkle_nodes WHERE (idx + 1) * (1 << level) > 17;
            """)
        XCTAssertTrue(try ChainVerifier(store: ledger.open(.readOnly)).verify().isIntact, "the chain alone cannot see a cut tail")
        let report = try audit()
        XCTAssertEqual(report.verdict, .cutTail)
        XCTAssertEqual(report.detail, "the checkpoint commits to 20 events, but the ledger ends at seq 17: seqs 18–20 were cut off")
        XCTAssertFalse(report.passed)
    }

    func testARewrittenHistoryIsNamedWithBothRoots() throws {
        // A second ledger with the same events but one amount changed: a fresh, consistent chain.
        let forgery = try TestLedger()
        let forged = try forgery.open()
        _ = try forged.append((0..<20).map { proposed("project:\($0 % 3)", "AnnualBudgetRevised", $0, amount: $0 == 7 ? "999999.00" : nil) }, actor: recorder)
        _ = try forged.append((0..<13).map { proposed("project:\($0 % 3)", "AnnualBudgetRevised", $0) }, actor: recorder)
        try raw("""
            DROP TRIGGER events_are_append_only_delete; DROP TRIGGER streams_are_append_only_delete;
            DROP TRIGGER merkle_nodes_are_append_only_delete;
            DELETE FROM events; DELETE FROM streams; DELETE FROM merkle_nodes;
            ATTACH '\(forgery.path)' AS forged;
            INSERT INTO streams SELECT * FROM forged.streams; INSERT INTO events SELECT * FROM forged.events;
            INSERT INTO merkle_nodes SELECT * FROM forged.merkle_nodes;
            """)
        XCTAssertTrue(try ChainVerifier(store: ledger.open(.readOnly)).verify().isIntact)
        let report = try audit()
        let forgedRoot = try forged.merkleRoot(size: 20)
        XCTAssertEqual(report.verdict, .rewrittenHistory(ledgerRoot: forgedRoot))
        XCTAssertTrue(report.detail.hasPrefix("the root of the ledger's first 20 events is \(forgedRoot.hex), but the checkpoint signed "), report.detail)
    }

    func testTwoSignedCheckpointsOfOneSizeAreAFork() throws {
        // The ledger's stored checkpoint of size 20 is replaced by another one its key signed.
        let other = try Checkpoint(origin: try store.origin(), size: 20, root: SHA256.hash(Array("another tree".utf8)))
        let note = try SignedNote.sign(text: other.body, with: [signer]).serialized
        try raw("""
            DROP TRIGGER checkpoints_are_append_only_delete; DELETE FROM checkpoints WHERE size = 20;
            INSERT INTO checkpoints (size, root, note, recorded_at) VALUES (20, x'\(Hex.encode(other.rootHash))', '\(note)', '2026-01-01T00:00:00.000000Z');
            """)
        let report = try audit()
        guard case let .fork(conflicting, root, key) = report.verdict else { return XCTFail("\(report.verdict)") }
        XCTAssertEqual(conflicting.size, 20)
        XCTAssertEqual(root.bytes, other.rootHash)
        XCTAssertEqual(key, signer.verifierKey)
        XCTAssertTrue(report.detail.hasSuffix("two signed, conflicting views of the ledger"), report.detail)

        // The same conflicting checkpoint signed by a key nobody trusts is no evidence of anything.
        let stranger = try NoteSignerKey(name: try store.origin(), privateKey: try Ed25519PrivateKey.generate())
        let unsigned = try SignedNote.sign(text: other.body, with: [stranger]).serialized
        try raw("DELETE FROM checkpoints WHERE size = 20; INSERT INTO checkpoints VALUES (20, x'\(Hex.encode(other.rootHash))', '\(unsigned)', '2026-01-01T00:00:00.000000Z');")
        guard case .appendOnlyExtension = try audit().verdict else { return XCTFail("an untrusted stored note is not a fork") }
    }

    func testChangedMerkleNodesMakeTheTreeInconsistent() throws {
        try raw("DROP TRIGGER merkle_nodes_are_append_only_update; UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 0;")
        guard case let .treeInconsistent(reason) = try audit().verdict else { return XCTFail("stored nodes were changed") }
        XCTAssertTrue(reason.contains("consistency proof"), reason)
    }

    func testUntrustedAndForeignCheckpointsAreNamed() throws {
        let stranger = try NoteSignerKey(name: try store.origin(), privateKey: try Ed25519PrivateKey.generate())
        guard case let .untrusted(reason) = try audit(trusting: [stranger.verifierKey]).verdict else { return XCTFail() }
        XCTAssertTrue(reason.hasPrefix("no signature from a trusted key"), reason)
        guard case .untrusted = try audit("not a note").verdict else { return XCTFail() }

        let foreign = try NoteSignerKey(name: "oda-ledger/00000000000000000000000000000000", privateKey: try Ed25519PrivateKey.generate())
        let body = try Checkpoint(origin: foreign.name, size: 3, root: SHA256.hash([1])).body
        let report = try audit(try SignedNote.sign(text: body, with: [foreign]).serialized, trusting: [foreign.verifierKey])
        XCTAssertEqual(report.verdict, .wrongLedger(ledgerOrigin: try store.origin()))
    }

    func testACheckpointSignedAfterARotationVerifiesFromTheOriginalKey() throws {
        let next = try NoteSignerKey(name: try store.origin(), privateKey: try Ed25519PrivateKey.generate())
        _ = try store.append([try KeyRotation.sign(from: signer, to: next.verifierKey).proposedEvent], actor: recorder)
        try append(2)
        let later = try store.checkpoint(signer: next).note
        let report = try audit(later, trusting: [signer.verifierKey])
        XCTAssertEqual(report.verdict, .appendOnlyExtension(proof: []))
        XCTAssertEqual(report.signers, [next.verifierKey])
        XCTAssertEqual(report.keyHistory.chain.count, 1)
    }
}
