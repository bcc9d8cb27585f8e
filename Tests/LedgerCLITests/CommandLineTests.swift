import CanonicalJSON
import Crypto
import EventLog
import Foundation
import XCTest

final class CommandLineTests: XCTestCase {
    func testInitCreatesLedgerAndPrivateKeyAndRefusesToOverwrite() throws {
        let cli = try CLIHarness()
        let result = cli.run(["init", "--data", cli.data])
        XCTAssertEqual(result.status, 0, result.stderr)
        let key = cli.data + "/signing-key.pem"
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o777, 0o600)
        XCTAssertNoThrow(try Ed25519PrivateKey(pemRepresentation: String(contentsOfFile: key, encoding: .utf8)))
        let again = cli.run(["init", "--data", cli.data])
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
    }

    func testDataDirectoryComesFromTheEnvironmentWhenNotGiven() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init"], environment: ["ODA_LEDGER_DATA": cli.data]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.data + "/ledger.sqlite"))
    }

    func testAppendPrintsOneLinePerEventAndLogReadsThemBack() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let file = try cli.write("batch.jsonl", eventLines(6))
        let appended = cli.run(["append", "--data", cli.data, "--actor", "user:bounmy", file])
        XCTAssertEqual(appended.status, 0, appended.stderr)
        XCTAssertEqual(appended.lines.count, 6)
        let first = try JSONValue.parse(appended.lines[0])
        XCTAssertEqual(first["seq"], .integer(1))
        XCTAssertEqual(first["streamVersion"], .integer(1))

        let log = cli.run(["log", "--data", cli.data, "--stream", "project:LA-1"])
        XCTAssertEqual(log.status, 0, log.stderr)
        let events = try log.lines.map { try RecordedEvent(exportLine: Array($0.utf8), hasher: SHA256Hasher()) }
        XCTAssertEqual(events.map(\.seq), [2])
        XCTAssertEqual(events[0].envelope.actor.id, "user:bounmy")
        XCTAssertEqual(events[0].hash.hex, try JSONValue.parse(appended.lines[1])["hash"]?.stringValue)

        XCTAssertEqual(cli.run(["log", "--data", cli.data, "--project", "LA-1"]).stdout, log.stdout, "--project ID is --stream project:ID")
        XCTAssertEqual(cli.run(["log", "--data", cli.data, "--project", "LA-1", "--stream", "project:LA-1"]).status, 2)
        let ranged = cli.run(["log", "--data", cli.data, "--from", "3", "--to", "4", "--format", "table"])
        XCTAssertEqual(ranged.lines.count, 3, ranged.stdout)  // header and two rows
        XCTAssertTrue(ranged.lines[1].hasPrefix("3 "))
        XCTAssertEqual(cli.run(["log", "--data", cli.data, "--type", "Nothing"]).stdout, "")
    }

    func testAppendFromStandardInputAndIdempotentRetry() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let line = #"{"stream":"project:X","type":"ProjectProposed","payload":{"projectId":"X","title":"X","developmentPartner":"XM-DAC-41114","implementingAgency":"LA-MPWT","plannedStartDate":"2024-01-01","plannedEndDate":"2024-12-31","estimatedCost":{"amount":"5.00","currency":"USD"},"sectorWorkingGroup":"health"},"idempotencyKey":"k-1"}"#
        let first = cli.run(["append", "--data", cli.data, "-"], stdin: line)
        let retry = cli.run(["append", "--data", cli.data], stdin: line + "\n")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertEqual(try JSONValue.parse(retry.lines[0])["alreadyRecorded"], .bool(true))
        XCTAssertEqual(try JSONValue.parse(retry.lines[0])["hash"], try JSONValue.parse(first.lines[0])["hash"])
    }

    func testAnyInvalidLineNamesItsLineAndAppendsNothing() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let cases: [(String, String)] = [
            (#"{"stream":"project:A","type":"X","payload":{"amount":12.5}}"#, "line 3: /payload/amount"),
            (#"{"stream":"project:A","type":"X","payload":{},"actor":{"id":"someone-else"}}"#, "line 3: /actor"),
            (#"{"stream":"project:A","type":"X","payload":{}"#, "line 3: not valid JSON"),
            (eventLines(2, stream: { _ in "project:A" }).split(separator: "\n")[1].dropLast() + #","expectedVersion":7}"#,
             "expects stream project:A at version 7, but it is at version 1"),
        ]
        for (bad, expected) in cases {
            let input = eventLines(1, stream: { _ in "project:A" }) + "\n" + bad + "\n"
            let result = cli.run(["append", "--data", cli.data], stdin: input)
            XCTAssertEqual(result.status, 2, bad)
            XCTAssertTrue(result.stderr.contains(expected), "\(expected) not in: \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("nothing was appended"), result.stderr)
            XCTAssertEqual(cli.run(["log", "--data", cli.data]).stdout, "", "nothing was written for: \(bad)")
        }
        // The expected-version case again, against a real stream version.
        XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: eventLines(1, stream: { _ in "project:A" })).status, 0)
    }

    func testVerifyExitCodesAndJSONReport() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["verify", "--data", cli.data]).status, 2, "no ledger is an I/O error")
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: eventLines(12)).status, 0)
        let ok = cli.run(["verify", "--data", cli.data, "--json"])
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        let report = try JSONValue.parse(ok.stdout)
        XCTAssertEqual(report["intact"], .bool(true))
        XCTAssertEqual(report["rowsChecked"], .integer(12))

        let raw = SQLiteFile(path: cli.data + "/ledger.sqlite")
        try raw.execute("DROP TRIGGER events_are_append_only_delete; DELETE FROM events WHERE seq = 7;")
        let bad = cli.run(["verify", "--data", cli.data])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stdout.contains("seq 7: missing"), bad.stdout)
        let badJSON = try JSONValue.parse(cli.run(["verify", "--data", cli.data, "--json"]).stdout)
        XCTAssertEqual(badJSON["findings"]?[0]?["kind"], .string("missing"))
        XCTAssertEqual(badJSON["findings"]?[0]?["seq"], .integer(7))
    }

    func testExportWritesCanonicalLinesThatReverifyWithoutTheDatabase() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: eventLines(25)).status, 0)
        let out = cli.directory.appendingPathComponent("export.jsonl").path
        let result = cli.run(["export", "--data", cli.data, "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"))
        let hasher = try SHA256Hasher()
        var prev = SHA256Digest.zero
        for (i, line) in text.split(separator: "\n").enumerated() {
            let event = try RecordedEvent(exportLine: Array(line.utf8), hasher: hasher)
            XCTAssertEqual(event.seq, Int64(i + 1))
            XCTAssertEqual(event.envelope.prev, prev)
            XCTAssertEqual(String(line), event.exportJSON.canonicalString, "each line is canonical")
            prev = event.hash
        }
        XCTAssertEqual(cli.run(["export", "--data", cli.data]).stdout, text, "standard output carries the same bytes")
    }

    func testHelpOnEveryCommandAndClearUsageErrors() throws {
        let cli = try CLIHarness()
        for command in ["init", "append", "log", "verify", "export"] {
            let help = cli.run([command, "--help"])
            XCTAssertEqual(help.status, 0)
            XCTAssertTrue(help.stdout.contains("USAGE: oda-ledger \(command)"), help.stdout)
            XCTAssertTrue(help.stdout.contains("--data DIR"), help.stdout)
        }
        XCTAssertTrue(cli.run(["--help"]).stdout.contains("Exit codes"))
        let typo = cli.run(["log", "--strem", "x"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("did you mean --stream?"), typo.stderr)
        XCTAssertTrue(typo.stderr.contains("usage: oda-ledger log"), typo.stderr)
        let unknown = cli.run(["frobnicate"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("unknown command frobnicate"))
        XCTAssertEqual(cli.run(["log", "--from", "zero"]).status, 2)
        XCTAssertTrue(cli.run(["log", "--format", "xml"]).stderr.contains("must be one of jsonl, table"))
    }
}
