import CanonicalJSON
import Crypto
import EventLog
import Foundation
import Transparency
import XCTest

/// `oda-ledger checkpoint`, the automatic checkpoints `ledger.conf` asks of `append`, and the
/// verifier key `init` writes.
final class CheckpointCommandTests: XCTestCase {
    private var cli: CLIHarness!

    override func setUpWithError() throws {
        cli = try CLIHarness()
    }

    func testInitWritesTheVerifierKeyOfTheSigningKey() throws {
        try cli.makeLedger(events: 0)
        let key = try cli.verifierKey()
        let store = try cli.store()
        XCTAssertEqual(key.name, try store.origin())
        XCTAssertEqual(key, try cli.signer().verifierKey)
        XCTAssertTrue(key.name.hasPrefix("oda-ledger/") && key.name.count == "oda-ledger/".count + 32, key.name)
        XCTAssertEqual(try String(contentsOfFile: cli.verifierKeyFile, encoding: .utf8), key.encoded + "\n")
    }

    func testTheCheckpointIsANoteSignedWithTheLedgersKeyAndIsReused() throws {
        try cli.makeLedger(events: 12)
        let printed = cli.run(["checkpoint", "--data", cli.data])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        let note = try SignedNote.parse(printed.stdout)
        XCTAssertEqual(try note.verify(trusting: [try cli.verifierKey()]), [try cli.verifierKey()])
        let checkpoint = try Checkpoint.parse(body: note.text)
        XCTAssertEqual(checkpoint.origin, try cli.store().origin())
        XCTAssertEqual(checkpoint.size, 12)
        XCTAssertEqual(checkpoint.rootHash, try cli.store().merkleRoot(size: 12).bytes)

        XCTAssertEqual(cli.run(["checkpoint", "--data", cli.data]).stdout, printed.stdout, "the stored checkpoint of size 12 is reused")
        let out = cli.path("cp.note")
        let written = cli.run(["checkpoint", "--data", cli.data, "--out", out])
        XCTAssertEqual(written.stdout, "")
        XCTAssertEqual(written.stderr, "checkpoint of size 12, root \(try cli.store().merkleRoot(size: 12).hex) written to \(out)\n")
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), printed.stdout)
    }

    func testListShowsTheStoredCheckpoints() throws {
        try cli.makeLedger(events: 12)
        _ = try cli.checkpoint("a.note")
        try cli.append(8, offset: 12)
        _ = try cli.checkpoint("b.note")
        let list = cli.run(["checkpoint", "--data", cli.data, "--list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(list.lines.count, 3, list.stdout)
        XCTAssertTrue(list.lines[0].hasPrefix("size       recordedAt"), list.lines[0])
        let row = list.lines[2].split(separator: " ")
        XCTAssertEqual(row[0], "20")
        XCTAssertEqual(String(row[2]), try cli.store().merkleRoot(size: 20).hex)
        XCTAssertEqual(row[3], "-", "no cosigner yet")

        let json = cli.run(["checkpoint", "--data", cli.data, "--list", "--json"]).lines.map { try? JSONValue.parse($0) }
        XCTAssertEqual(json.map { $0?["size"] }, [.integer(12), .integer(20)])
        XCTAssertEqual(json[0]?["note"]?.stringValue, try String(contentsOfFile: cli.path("a.note"), encoding: .utf8))
        XCTAssertEqual(cli.run(["checkpoint", "--data", cli.data, "--list", "--out", "x"]).status, 2)
        XCTAssertEqual(cli.run(["checkpoint", "--data", cli.data, "--json"]).status, 2)
    }

    func testASigningKeyReadableByOthersIsRefused() throws {
        try cli.makeLedger(events: 3, autoCheckpoints: true)
        XCTAssertEqual(chmod(cli.data + "/signing-key.pem", 0o644), 0)
        let checkpoint = cli.run(["checkpoint", "--data", cli.data])
        XCTAssertEqual(checkpoint.status, 2)
        XCTAssertTrue(checkpoint.stderr.contains("cannot load the ledger's signing key"), checkpoint.stderr)
        XCTAssertTrue(checkpoint.stderr.contains("run `chmod 600 \(cli.data)/signing-key.pem`"), checkpoint.stderr)

        // With automatic checkpoints on (the default), an append that could not sign writes nothing.
        let append = cli.run(["append", "--data", cli.data], stdin: eventLines(2, offset: 3))
        XCTAssertEqual(append.status, 2)
        XCTAssertTrue(append.stderr.contains("nothing was appended"), append.stderr)
        XCTAssertTrue(append.stderr.contains("checkpoint.every_events = 0 and checkpoint.every_minutes = 0"), append.stderr)
        XCTAssertEqual(try cli.store().head().seq, 3)

        try "checkpoint.every_events = 0\ncheckpoint.every_minutes = 0\n".write(toFile: cli.data + "/ledger.conf", atomically: true, encoding: .utf8)
        XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: eventLines(2, offset: 3)).status, 0)
    }

    func testAppendsSignCheckpointsAsLedgerConfSays() throws {
        try cli.makeLedger(events: 0, autoCheckpoints: true)
        try """
            # every five events, never by time
            checkpoint.every_events = 5
              checkpoint.every_minutes=0
            """.write(toFile: cli.data + "/ledger.conf", atomically: true, encoding: .utf8)
        try cli.append(4, offset: 0)
        try cli.append(3, offset: 4)
        try cli.append(6, offset: 7)
        try cli.append(1, offset: 13)
        let store = try cli.store()
        XCTAssertEqual(try store.storedCheckpoints().map(\.size), [7, 13])
        let key = try cli.verifierKey()
        for stored in try store.storedCheckpoints() {
            XCTAssertEqual(try SignedNote.parse(stored.note).verify(trusting: [key]), [key])
            XCTAssertEqual(stored.root, try store.merkleRoot(size: stored.size))
        }
    }

    func testWithoutLedgerConfTheFirstAppendIsCheckpointedAndThenEveryHour() throws {
        try cli.makeLedger(events: 0, autoCheckpoints: true)
        try cli.append(4, offset: 0)
        try cli.append(3, offset: 4)
        XCTAssertEqual(try cli.store().storedCheckpoints().map(\.size), [4],
                       "no checkpoint yet is older than an hour: the first append signs one, the next waits")
    }

    func testMistakesInLedgerConfNameTheLineAndAppendNothing() throws {
        try cli.makeLedger(events: 2, autoCheckpoints: true)
        let cases = [
            ("# settings\ncheckpoint.every_event = 5\n", "ledger.conf line 2: unknown setting checkpoint.every_event; known settings: checkpoint.every_events, checkpoint.every_minutes"),
            ("checkpoint.every_minutes = soon\n", "line 1: checkpoint.every_minutes must be a whole number from 0 to 5256000 (minutes between automatic checkpoints, 0 for never), not soon"),
            ("checkpoint.every_events = 5\ncheckpoint.every_events = 6\n", "line 2: checkpoint.every_events is already set on line 1"),
            ("checkpoint.every_events 5\n", "line 1: expected `key = value`, found checkpoint.every_events 5"),
            ("checkpoint.every_events = -1\n", "must be a whole number from 0 to 1000000000"),
        ]
        for (text, expected) in cases {
            try text.write(toFile: cli.data + "/ledger.conf", atomically: true, encoding: .utf8)
            let result = cli.run(["append", "--data", cli.data], stdin: eventLines(1, offset: 2))
            XCTAssertEqual(result.status, 2, text)
            XCTAssertTrue(result.stderr.contains(expected), "\(expected) not in \(result.stderr)")
        }
        XCTAssertEqual(try cli.store().head().seq, 2)
    }

    func testEveryNewCommandHasHelpFromItsSpec() throws {
        let expectations: [String: [String]] = [
            "checkpoint": ["--out FILE", "--list", "--data DIR"],
            "prove": ["--seq N", "--checkpoint FILE", "--from-checkpoint OLD", "--to-checkpoint NEW", "--out FILE"],
            "verify": ["--checkpoint FILE", "--key VKEY|FILE", "--json"],
            "cosign": ["--checkpoint FILE", "--key AUDITOR_KEY.pem", "--name NAME", "--previous OLD_CHECKPOINT"],
            "keygen": ["--out FILE", "--name NAME"],
            "rotate-key": ["--data DIR", "--actor ID"],
        ]
        for (command, options) in expectations {
            let help = cli.run([command, "--help"])
            XCTAssertEqual(help.status, 0, command)
            XCTAssertTrue(help.stdout.contains("USAGE: oda-ledger \(command)"), help.stdout)
            for option in options { XCTAssertTrue(help.stdout.contains(option), "\(command): \(option) not in \(help.stdout)") }
        }
        let overview = cli.run(["--help"]).stdout
        for command in expectations.keys { XCTAssertTrue(overview.contains("  \(command) "), "\(command) not in the overview") }
    }
}
