import CanonicalJSON
import Foundation
import XCTest

/// `oda-ledger replay` rebuilds the flag and case tables as well as the ODA projection: the
/// rebuilt flags equal those kept on append, and a tampered flag table is found and repaired.
final class ReplayInspectionTests: XCTestCase {
    private func flagsJSON(_ cli: CLIHarness) -> String {
        cli.run(["flags", "--data", cli.data, "--format", "json"]).stdout
    }

    private func line(_ prefix: String, _ output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    func testReplayRebuildsFlagsAndCasesAndRepairsATamperedFlagTable() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        let flags = try XCTUnwrap(try JSONValue.parse(Array(flagsJSON(cli).utf8)).arrayValue)
        let id = try XCTUnwrap(flags.compactMap { $0.objectValue }.first { $0["rule"] == "exact-duplicate-payments" }?["id"]?.stringValue)
        XCTAssertEqual(cli.run(["case", "assign", id, "--to", "user:inspector2", "--data", cli.data, "--actor", "user:inspector1"]).status, 0)
        let listed = flagsJSON(cli)

        let first = cli.run(["replay", "--data", cli.data])
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertTrue(first.stdout.contains("the live flags had the same digest"), first.stdout)
        XCTAssertTrue(first.stdout.contains("the live cases had the same digest"), first.stdout)
        let flagsDigest = try XCTUnwrap(line("flags digest ", first.stdout))
        let casesDigest = try XCTUnwrap(line("cases digest ", first.stdout))
        XCTAssertTrue(flagsDigest.hasPrefix("sha256:") && flagsDigest.count == 71, flagsDigest)
        XCTAssertEqual(flagsJSON(cli), listed, "the rebuilt flags are the ones kept on append")
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--status", "assigned", "--format", "csv"]).lines.count, 2)

        // An earlier point: the flags of the first 11 events (no duplicate yet) differ; the live tables stay.
        let earlier = cli.run(["replay", "--data", cli.data, "--to", "11"])
        XCTAssertEqual(earlier.status, 0, earlier.stderr)
        XCTAssertNotEqual(line("flags digest ", earlier.stdout), flagsDigest)
        XCTAssertEqual(flagsJSON(cli), listed)

        try SQLiteFile(path: cli.data + "/ledger.sqlite").execute("UPDATE insp_flags SET score = 1; DELETE FROM insp_cases")
        XCTAssertNotEqual(flagsJSON(cli), listed)
        let repaired = cli.run(["replay", "--data", cli.data])
        XCTAssertEqual(repaired.status, 1, repaired.stdout)
        XCTAssertTrue(repaired.stdout.contains("the live flags differed"), repaired.stdout)
        XCTAssertTrue(repaired.stdout.contains("the live cases differed"), repaired.stdout)
        XCTAssertEqual(line("flags digest ", repaired.stdout), flagsDigest)
        XCTAssertEqual(line("cases digest ", repaired.stdout), casesDigest)
        XCTAssertEqual(flagsJSON(cli), listed)
        XCTAssertEqual(cli.run(["flags", "--evaluate", "--data", cli.data]).status, 0)

        // Appends after the replay keep the rebuilt state current.
        let text = try FlagLedger.lines(["ExpenditureRecorded"]).replacingOccurrences(of: "E-2024-001", with: "E-2024-003")
        XCTAssertEqual(cli.run(["append", "--data", cli.data, "--actor", "user:somsack"], stdin: text).status, 0)
        let evaluated = cli.run(["flags", "--evaluate", "--data", cli.data])
        XCTAssertEqual(evaluated.status, 0, evaluated.stdout + evaluated.stderr)
        let after = try XCTUnwrap(try JSONValue.parse(Array(flagsJSON(cli).utf8)).arrayValue).compactMap(\.objectValue)
        let duplicate = try XCTUnwrap(after.first { $0["id"]?.stringValue == id })
        XCTAssertEqual(duplicate["evidence"]?.arrayValue?.count, 3, "the third payment joined the flag kept on append")
        XCTAssertEqual(duplicate["evidence"]?.arrayValue?.prefix(2).map { $0 }, [11, 12])

        // The population flags (kept from the recorded evaluation) are rebuilt and checked too.
        let clean = cli.run(["replay", "--data", cli.data])
        XCTAssertEqual(clean.status, 0, clean.stdout + clean.stderr)
        XCTAssertTrue(clean.stdout.contains("the live population flags had the same digest"), clean.stdout)
        let populationDigest = try XCTUnwrap(line("population flags digest ", clean.stdout))
        try SQLiteFile(path: cli.data + "/ledger.sqlite").execute("""
            INSERT INTO insp_population_flags VALUES ('planted', 'peer-execution-rate', 1, 'medium', '{}', 'project', 'X',
              NULL, NULL, 0, 50, '[1]', 'planted by hand', 1)
            """)
        let repairedPopulation = cli.run(["replay", "--data", cli.data])
        XCTAssertEqual(repairedPopulation.status, 1, repairedPopulation.stdout)
        XCTAssertTrue(repairedPopulation.stdout.contains("the live population flags differed"), repairedPopulation.stdout)
        XCTAssertEqual(line("population flags digest ", repairedPopulation.stdout), populationDigest)
        XCTAssertFalse(flagsJSON(cli).contains("planted"))
    }
}
