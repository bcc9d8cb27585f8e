import Crypto
import EventLog
import Foundation
import Transparency
import XCTest

/// `oda-ledger keygen` and `oda-ledger cosign`: an auditor cosigns only a checkpoint the ledger
/// holds and that extends the last one the auditor cosigned.
final class CosignCommandTests: XCTestCase {
    private var cli: CLIHarness!
    private var auditorKey: String!
    private var auditor: CosignatureVerifierKey!
    private let cosignerName = "audit.sao.gov.la"

    override func setUpWithError() throws {
        cli = try CLIHarness()
        try cli.makeLedger(events: 10)
        auditorKey = cli.path("auditor.pem")
        let made = cli.run(["keygen", "--out", auditorKey, "--name", cosignerName])
        XCTAssertEqual(made.status, 0, made.stderr)
        auditor = try CosignatureVerifierKey(String(made.stdout.dropLast()))
    }

    private func cosign(_ checkpoint: String, previous: String? = nil, data: String? = nil) -> CLIResult {
        cli.run(["cosign", "--data", data ?? cli.data, "--checkpoint", checkpoint, "--key", auditorKey, "--name", cosignerName]
            + (previous.map { ["--previous", $0] } ?? []))
    }

    func testKeygenWritesAPrivateKeyAndPrintsTheCosignerKey() throws {
        XCTAssertEqual(auditor.name, cosignerName)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: auditorKey)[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o777, 0o600)
        let key = try Ed25519PrivateKey(pemRepresentation: try KeyFile.readSecret(at: auditorKey))
        XCTAssertEqual(key.publicKey, auditor.publicKey)
        let again = cli.run(["keygen", "--out", auditorKey, "--name", cosignerName])
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
        XCTAssertEqual(cli.run(["keygen", "--out", cli.path("x.pem"), "--name", "two words"]).status, 2)
        XCTAssertEqual(cli.run(["keygen", "--out", cli.path("y.pem")]).status, 2)
    }

    func testACosignatureIsVerifiedStoredAndServed() throws {
        let checkpoint = try cli.checkpoint("cp10.note")
        let result = cosign(checkpoint)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "cosigned the checkpoint of size 10 as \(auditor!)\n")
        let note = try SignedNote.parse(result.stdout)
        XCTAssertEqual(note.signatures.map(\.name), [try cli.store().origin(), cosignerName])
        let time = try Cosignature.verify(in: note, cosigner: auditor)
        XCTAssertLessThanOrEqual(abs(Int64(time) - Int64(Date().timeIntervalSince1970)), 60)
        XCTAssertEqual(try note.verify(trusting: [try cli.verifierKey()]).count, 1, "the ledger's signature still verifies")

        // Served with the checkpoint from then on: by `checkpoint`, `--list` and proof bundles.
        XCTAssertEqual(cli.run(["checkpoint", "--data", cli.data]).stdout, result.stdout)
        XCTAssertTrue(cli.run(["checkpoint", "--data", cli.data, "--list"]).lines[1].hasSuffix(" \(cosignerName)"))
        let bundle = cli.run(["prove", "--data", cli.data, "--seq", "4"])
        guard case let .inclusion(inclusion) = try ProofBundle.parse(Array(bundle.stdout.utf8)) else { return XCTFail() }
        XCTAssertEqual(try Cosignature.verify(in: try SignedNote.parse(inclusion.checkpoint), cosigner: auditor), time)
    }

    func testTheCheckpointMustExtendThePreviousOneTheAuditorCosigned() throws {
        let cp10 = try cli.checkpoint("cp10.note")
        XCTAssertEqual(cosign(cp10).status, 0)
        let fork = try cli.copyData(to: "fork")
        try cli.append(5, offset: 10)
        let cp15 = try cli.checkpoint("cp15.note")
        XCTAssertEqual(cosign(cp15, previous: cp10).status, 0, "15 extends 10")

        // The other copy grew differently; its checkpoint of size 20 does not extend what the auditor saw at 15.
        try cli.append(10, offset: 900, to: fork)
        let fork20 = try cli.checkpoint("fork20.note", in: fork)
        let refused = cosign(fork20, previous: cp15, data: fork)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("the checkpoint does not extend the previous one"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("a fork or a rewritten history; not cosigned"), refused.stderr)
        XCTAssertEqual(try SignedNote.parse(String(contentsOfFile: fork20, encoding: .utf8)).signatures.count, 1)
        XCTAssertEqual(try cli.store(fork).storedCheckpoint(size: 20)?.note, try String(contentsOfFile: fork20, encoding: .utf8),
                       "nothing was stored")

        // A previous checkpoint larger than the new one: the ledger would have shrunk.
        let smaller = cosign(cp15, previous: fork20, data: fork)
        XCTAssertEqual(smaller.status, 1)
        XCTAssertTrue(smaller.stderr.contains("more than this one's 15"), smaller.stderr)
    }

    func testACheckpointTheLedgerDoesNotHoldOrHoldsDifferentlyIsNotCosigned() throws {
        let fork = try cli.copyData(to: "fork")
        try cli.append(3, offset: 10)
        try cli.append(3, offset: 700, to: fork)
        let main13 = try cli.checkpoint("main13.note")
        let notHeld = cosign(main13, data: fork)
        XCTAssertEqual(notHeld.status, 2)
        XCTAssertTrue(notHeld.stderr.contains("the ledger holds no checkpoint of size 13"), notHeld.stderr)
        _ = try cli.checkpoint("fork13.note", in: fork)
        let conflicting = cosign(main13, data: fork)
        XCTAssertEqual(conflicting.status, 1)
        XCTAssertTrue(conflicting.stderr.contains("two signed views of the ledger (a fork); not cosigned"), conflicting.stderr)
    }

    func testAnAuditorKeyReadableByOthersIsRefused() throws {
        let checkpoint = try cli.checkpoint("cp10.note")
        XCTAssertEqual(chmod(auditorKey, 0o640), 0)
        let result = cosign(checkpoint)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("cannot load the auditor key"), result.stderr)
        XCTAssertTrue(result.stderr.contains("chmod 600"), result.stderr)
        let missing = cli.run(["cosign", "--data", cli.data, "--checkpoint", checkpoint])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("--checkpoint, --key and --name are required"), missing.stderr)
    }
}
