import CanonicalJSON
import Foundation
import XCTest

/// `oda-ledger flags` over the catalogue's example project with its expenditure recorded twice
/// (same payee, amount and date): the append keeps the flag table current, `flags show` verifies
/// the evidence, and `flags --evaluate` agrees with the stored flags.
final class FlagsCommandTests: XCTestCase {
    /// The example events as request lines, as `ProjectionCommandTests` appends them.
    func lines(_ types: [String]) throws -> String {
        try types.map { type in
            let data = try Data(contentsOf: ProjectionCommandTests.examples.appendingPathComponent("\(type).json"))
            return try JSONValue.parse(data).canonicalString
        }.joined(separator: "\n") + "\n"
    }

    /// Seqs 1–11 as in `ProjectionCommandTests.recordedLedger`, then the expenditure again (seq 12).
    func ledgerWithDuplicatePayment() throws -> CLIHarness {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let batches: [(String, [String])] = [
            ("user:somsack", ["ExchangeRateRecorded", "ProjectProposed"]),
            ("user:khamla", ["ProjectApproved"]),
            ("user:somsack", ["ProjectStatusChanged", "SectorAllocationRevised", "LocationAllocationRevised", "AnnualBudgetPlanned",
                              "AnnualBudgetRevised", "CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded"]),
            ("user:somsack", ["ExpenditureRecorded"]),
        ]
        for (index, (actor, types)) in batches.enumerated() {
            var text = try lines(types)
            if index == 3 { text = text.replacingOccurrences(of: "E-2024-001", with: "E-2024-002") }
            let result = cli.run(["append", "--data", cli.data, "--actor", actor], stdin: text)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        return cli
    }

    func testDuplicatePaymentIsFlaggedShownAndReEvaluatedIdentically() throws {
        let cli = try ledgerWithDuplicatePayment()
        let listed = cli.run(["flags", "--data", cli.data, "--rule", "exact-duplicate-payments", "--format", "json"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let flags = try XCTUnwrap(try JSONValue.parse(Array(listed.stdout.utf8)).arrayValue)
        XCTAssertEqual(flags.count, 1)
        let flag = try XCTUnwrap(flags.first?.objectValue)
        XCTAssertEqual(flag["evidence"], [11, 12])
        XCTAssertEqual(flag["subject"]?.objectValue?["name"], "Savan Drilling Co., Ltd.")
        XCTAssertEqual(flag["amountIsUSDEquivalent"], true, "the example records a LAK rate first")
        let id = try XCTUnwrap(flag["id"]?.stringValue)

        let shown = cli.run(["flags", "show", id, "--data", cli.data])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertEqual(shown.lines.filter { $0.hasSuffix("hash verifies") }.count, 2, shown.stdout)
        XCTAssertTrue(shown.stdout.contains("paid 412500000 LAK 2 times on 2024-05-14"), shown.stdout)

        let evaluated = cli.run(["flags", "--evaluate", "--data", cli.data])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        XCTAssertTrue(evaluated.stdout.contains("a full evaluation of every rule equals the stored flags"), evaluated.stdout)
    }

    func testFiltersAndFormats() throws {
        let cli = try ledgerWithDuplicatePayment()
        let csv = cli.run(["flags", "--data", cli.data, "--project", "LA-MPI-2024-017", "--severity", "high", "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertEqual(csv.lines.first, "id,rule,version,severity,score,subject_kind,subject,project,amount,currency,usd_equivalent,evidence,explanation")
        XCTAssertTrue(csv.lines.dropFirst().allSatisfy { $0.contains(",high,") }, csv.stdout)
        XCTAssertTrue(csv.stdout.contains("exact-duplicate-payments"))
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--project", "nope", "--format", "csv"]).lines.count, 1)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--since", "2999-01-01"]).lines, ["0 flag(s)"])
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--severity", "urgent"]).status, 2)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--rule", "no-such-rule"]).status, 2)
        let missing = cli.run(["flags", "show", "0000", "--data", cli.data])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no flag 0000"), missing.stderr)
    }
}
