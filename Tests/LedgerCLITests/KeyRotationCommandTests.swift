import CanonicalJSON
import Crypto
import EventLog
import Foundation
import Transparency
import XCTest

/// `oda-ledger rotate-key`, and verification that follows rotations from the key an auditor
/// kept, refusing rotations the retired key did not sign.
final class KeyRotationCommandTests: XCTestCase {
    private var cli: CLIHarness!
    private var originalKey: String!

    override func setUpWithError() throws {
        cli = try CLIHarness()
        try cli.makeLedger(events: 10)
        originalKey = try cli.keepVerifierKey(as: "original.vkey")
    }

    private func fileMode(_ path: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) & 0o777
    }

    func testARotationIsRecordedSignedByTheOldKeyAndCheckpointsAfterItVerifyFromTheOriginalKey() throws {
        let kept = try cli.checkpoint("kept-10.note")
        let old = try cli.verifierKey()
        let result = cli.run(["rotate-key", "--data", cli.data, "--actor", "user:keyadmin"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let new = try cli.verifierKey()
        XCTAssertNotEqual(new, old)
        XCTAssertEqual(new.name, old.name)
        XCTAssertEqual(new, try cli.signer().verifierKey, "signing-key.pem and signing-key.vkey hold the new key")
        let retired = cli.data + "/signing-key.\(old.encoded.split(separator: "+")[1]).pem"
        XCTAssertEqual(try fileMode(retired), 0o600)
        XCTAssertEqual(try NoteSignerKey(name: old.name, privateKey: try Ed25519PrivateKey(pemRepresentation: try KeyFile.readSecret(at: retired))).verifierKey, old)
        XCTAssertEqual(try cli.verifierKey(String(retired.dropLast(4)) + ".vkey"), old)
        XCTAssertEqual(result.lines[0], "rotated the signing key of \(old.name)")
        XCTAssertEqual(result.lines[3], "recorded at seq 11 as SigningKeyRotated in stream ledger, signed by the retired key")
        XCTAssertEqual(result.lines[4], "checkpoint of size 11 signed with the new key")

        // The event as anyone reading the log sees it.
        let logged = try JSONValue.parse(try XCTUnwrap(cli.run(["log", "--data", cli.data, "--stream", "ledger"]).lines.first))
        XCTAssertEqual(logged["type"], "SigningKeyRotated")
        XCTAssertEqual(logged["actor"]?["id"], "user:keyadmin")
        let rotation = try KeyRotation(payload: try XCTUnwrap(logged["payload"]?.objectValue))
        XCTAssertEqual(rotation.previousKey, old)
        XCTAssertEqual(rotation.newKey, new)
        XCTAssertTrue(old.publicKey.isValidSignature(rotation.signature, for: KeyRotation.message(previous: old, new: new)))

        try cli.append(5, offset: 10)
        let later = try cli.checkpoint("later-16.note")
        XCTAssertEqual(try SignedNote.parse(String(contentsOfFile: later, encoding: .utf8)).signatures.map(\.keyID), [new.keyID])
        let fromOriginal = cli.run(["verify", "--data", cli.data, "--checkpoint", later, "--key", originalKey, "--json"])
        XCTAssertEqual(fromOriginal.status, 0, fromOriginal.stdout)
        let report = try JSONValue.parse(fromOriginal.stdout)["checkpoint"]
        XCTAssertEqual(report?["verdict"], "extension")
        XCTAssertEqual(report?["signedBy"], .array([.string(new.encoded)]))
        XCTAssertEqual(report?["keyRotations"], .integer(1))
        XCTAssertEqual(cli.run(["verify", "--data", cli.data, "--checkpoint", kept, "--key", originalKey]).status, 0)

        // Trust flows forward only: the new key does not vouch for what the old one signed.
        let fromNew = cli.run(["verify", "--data", cli.data, "--checkpoint", kept, "--key", cli.verifierKeyFile])
        XCTAssertEqual(fromNew.status, 1)
        XCTAssertTrue(fromNew.lines.last?.hasPrefix("checkpoint: untrusted checkpoint:") ?? false, fromNew.stdout)
        // Without --key, the data directory vouches for its current and retired keys.
        XCTAssertEqual(cli.run(["verify", "--data", cli.data, "--checkpoint", kept]).status, 0)

        // Bundles are checked offline with the key that signed their checkpoint.
        let before = cli.run(["prove", "--data", cli.data, "--seq", "3"])
        XCTAssertNoThrow(try ProofBundle.parse(Array(before.stdout.utf8)).verify(trusting: [old]))
        let after = cli.run(["prove", "--data", cli.data, "--seq", "14"])
        XCTAssertNoThrow(try ProofBundle.parse(Array(after.stdout.utf8)).verify(trusting: [new]))
        XCTAssertThrowsError(try ProofBundle.parse(Array(after.stdout.utf8)).verify(trusting: [old]))
        XCTAssertTrue(after.stderr.hasSuffix("check it with the verifier key \(new)\n"), after.stderr)
    }

    func testAForgedRotationIsRefusedAndSoIsTheKeyItNames() throws {
        let origin = try cli.store().origin()
        let attacker = try NoteSignerKey(name: origin, privateKey: try Ed25519PrivateKey.generate())
        let original = try cli.verifierKey()
        let forged = KeyRotation(
            previousKey: original, newKey: attacker.verifierKey,
            signature: try attacker.privateKey.signature(for: KeyRotation.message(previous: original, new: attacker.verifierKey)))
        let line = JSONValue.object([
            "stream": "ledger", "type": "SigningKeyRotated", "payload": .object(forged.payload),
        ]).canonicalString
        XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: line).status, 2, "append refuses types outside the ODA catalogue")
        // Anyone with write access to the file may still append through the library; verification decides.
        _ = try EventStore(openingAt: cli.data + "/ledger.sqlite").append([try ProposedEvent(json: try JSONValue.parse(line))],
                                                                          actor: try Actor(id: "local:attacker"))
        try cli.append(3, offset: 11)
        let root = try cli.store().merkleRoot(size: 14)
        let body = try Checkpoint(origin: origin, size: 14, root: root).body
        let note = try cli.write("attacker.note", try SignedNote.sign(text: body, with: [attacker]).serialized)

        let result = cli.run(["verify", "--data", cli.data, "--checkpoint", note, "--key", originalKey])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("checkpoint: untrusted checkpoint: no signature from a trusted key"), result.stdout)
        XCTAssertTrue(result.stdout.contains("key rotation: seq 11: forged key rotation: it is not signed by the key it retires, \(original); not followed"),
                      result.stdout)

        // A genuine checkpoint still verifies, but the forged rotation in the log is reported and fails the run.
        let genuine = try cli.checkpoint("genuine.note")
        let withFinding = cli.run(["verify", "--data", cli.data, "--checkpoint", genuine, "--key", originalKey, "--json"])
        XCTAssertEqual(withFinding.status, 1)
        let report = try JSONValue.parse(withFinding.stdout)["checkpoint"]
        XCTAssertEqual(report?["verdict"], "extension")
        XCTAssertEqual(report?["passed"], .bool(false))
        XCTAssertEqual(report?["keyRotationFindings"]?[0]?["seq"], .integer(11))

        // The real key rotates on from the original key, past the forgery.
        XCTAssertEqual(cli.run(["rotate-key", "--data", cli.data]).status, 0)
        XCTAssertEqual(try cli.store().signingKeyHistory(trusting: [original]).trusted, [original, try cli.verifierKey()])
    }

    func testRotateKeyRefusesASigningKeyTheLogDoesNotName() throws {
        XCTAssertEqual(cli.run(["rotate-key", "--data", cli.data]).status, 0)
        let retired = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: cli.data).first {
            $0.hasPrefix("signing-key.") && $0.hasSuffix(".pem") && $0.count == "signing-key.12345678.pem".count
        })
        try FileManager.default.removeItem(atPath: cli.data + "/signing-key.pem")
        try FileManager.default.copyItem(atPath: cli.data + "/" + retired, toPath: cli.data + "/signing-key.pem")
        let result = cli.run(["rotate-key", "--data", cli.data])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("restore that key as signing-key.pem before rotating"), result.stderr)
        XCTAssertEqual(try cli.store().head().seq, 11, "nothing was recorded")
    }

    func testAnInterruptedRotationIsCompletedAndAnUnrecordedPendingKeyDiscarded() throws {
        // Crash after the event was appended, before the files were moved.
        let current = try cli.signer()
        let pending = try NoteSignerKey(name: current.name, privateKey: try Ed25519PrivateKey.generate())
        try KeyFile.writeNew(pending.privateKey.pemRepresentation, to: cli.data + "/signing-key.next.pem")
        let writable = try EventStore(openingAt: cli.data + "/ledger.sqlite")
        _ = try writable.append([try KeyRotation.sign(from: current, to: pending.verifierKey).proposedEvent], actor: try Actor(id: "user:keyadmin"))
        let resumed = cli.run(["rotate-key", "--data", cli.data])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(resumed.lines.first, "completed the interrupted rotation recorded at seq 11: the signing key is now \(pending.verifierKey)")
        XCTAssertEqual(try cli.signer().verifierKey, pending.verifierKey)
        XCTAssertEqual(try cli.verifierKey(), pending.verifierKey)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.data + "/signing-key.next.pem"))

        // Crash before the event was appended: the pending key was never used.
        let unused = try Ed25519PrivateKey.generate()
        try KeyFile.writeNew(unused.pemRepresentation, to: cli.data + "/signing-key.next.pem")
        let fresh = cli.run(["rotate-key", "--data", cli.data])
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        XCTAssertTrue(fresh.stderr.contains("discarded \(cli.data)/signing-key.next.pem"), fresh.stderr)
        XCTAssertNotEqual(try cli.signer().verifierKey.publicKey, unused.publicKey)
        XCTAssertEqual(try cli.store().signingKeyHistory(trusting: [try cli.verifierKey(originalKey)]).trusted.count, 3)
    }
}
