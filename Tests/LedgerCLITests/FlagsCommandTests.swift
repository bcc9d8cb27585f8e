import CanonicalJSON
import Foundation
import XCTest

/// `oda-ledger flags` over the catalogue's example project with its expenditure recorded twice
/// (same payee, amount and date): the append keeps the flag table current, `flags show` verifies
/// the evidence, and `flags --evaluate` agrees with the stored flags.
/// The example project of `ProjectionCommandTests` with its expenditure recorded twice.
enum FlagLedger {
    /// The example events as request lines, as `ProjectionCommandTests` appends them.
    static func lines(_ types: [String]) throws -> String {
        try types.map { type in
            let data = try Data(contentsOf: ProjectionCommandTests.examples.appendingPathComponent("\(type).json"))
            return try JSONValue.parse(data).canonicalString
        }.joined(separator: "\n") + "\n"
    }

    /// Seqs 1–11 as in `ProjectionCommandTests.recordedLedger`, then the expenditure again (seq 12).
    static func ledgerWithDuplicatePayment() throws -> CLIHarness {
        let cli = try CLIHarness()
        let initialized = cli.run(["init", "--data", cli.data])
        guard initialized.status == 0 else { throw CLIFailure(message: initialized.stderr) }
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
            guard result.status == 0 else { throw CLIFailure(message: result.stderr) }
        }
        return cli
    }

}

struct CLIFailure: Error { let message: String }

final class FlagsCommandTests: XCTestCase {
    func testDuplicatePaymentIsFlaggedShownAndReEvaluatedIdentically() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
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
        XCTAssertTrue(evaluated.stdout.contains("a full evaluation of every subject rule equals the stored flags"), evaluated.stdout)
    }

    func testConfigureRecordsARuleConfiguredEvent() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        let ok = cli.run(["flags", "configure", "round-amounts", "--set", "minimumTrailingZeros=6", "--reason", "kip amounts",
                          "--data", cli.data, "--actor", "user:admin"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("configured at seq 13"), ok.stdout)
        XCTAssertTrue(cli.run(["log", "--data", cli.data, "--stream", "rules"]).stdout.contains("\"minimumTrailingZeros\":6"))
        let bad = cli.run(["flags", "configure", "round-amounts", "--set", "zeros=6", "--reason", "r", "--data", cli.data])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("has no parameter zeros"), bad.stderr)
        XCTAssertEqual(cli.run(["flags", "configure", "round-amounts", "--set", "minimumTrailingZeros=x", "--data", cli.data]).status, 2)
        XCTAssertEqual(cli.run(["flags", "--evaluate", "--data", cli.data]).status, 0)
    }

    func testBenfordOnDemandNeedsASample() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        let result = cli.run(["flags", "benford", "--data", cli.data, "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(try JSONValue.parse(Array(result.stdout.utf8)).objectValue)
        XCTAssertEqual(object["count"], 3, "one disbursement and two expenditures")
        XCTAssertEqual(object["observed"], [0, 1, 0, 2, 0, 0, 0, 0, 0], "250,000 USD; 412,500,000 LAK twice")
        XCTAssertEqual(object["verdict"], "insufficient sample")
        let table = cli.run(["flags", "benford", "--data", cli.data, "--project", "LA-MPI-2024-017"])
        XCTAssertTrue(table.stdout.contains("insufficient sample (fewer than 1000 amounts)"), table.stdout)
        let two = cli.run(["flags", "benford", "--digits", "2", "--data", cli.data, "--format", "json"])
        let twoObject = try XCTUnwrap(try JSONValue.parse(Array(two.stdout.utf8)).objectValue)
        XCTAssertEqual(twoObject["rule"], "benford-first-two-digits")
        XCTAssertEqual(twoObject["observed"]?.arrayValue?.count, 90)
    }

    func testFiltersAndFormats() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        let csv = cli.run(["flags", "--data", cli.data, "--project", "LA-MPI-2024-017", "--severity", "high", "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertEqual(csv.lines.first, "id,status,rule,version,severity,score,subject_kind,subject,project,amount,currency,usd_equivalent,evidence,explanation")
        XCTAssertTrue(csv.lines.dropFirst().allSatisfy { $0.contains(",high,") }, csv.stdout)
        XCTAssertTrue(csv.stdout.contains("exact-duplicate-payments"))
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--project", "nope", "--format", "csv"]).lines.count, 1)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--since", "2999-01-01"]).lines, ["0 flag(s)"])
        let all = cli.run(["flags", "--data", cli.data, "--format", "csv"]).lines
        XCTAssertGreaterThan(all.count, 1)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--format", "csv", "--province", "LA-SV"]).lines, all)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--format", "csv", "--province", "LA-VT"]).lines.count, 1)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--format", "csv", "--partner", "XM-DAC-41114"]).lines, all)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--format", "csv", "--partner", "XM-DAC-46004"]).lines.count, 1)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--severity", "urgent"]).status, 2)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--rule", "no-such-rule"]).status, 2)
        let missing = cli.run(["flags", "show", "0000", "--data", cli.data])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no flag 0000"), missing.stderr)
    }
}

/// `oda-ledger case`: actions become events in `case:{flagId}`, the queue shows the status, and
/// nonsense transitions and missing reason codes are refused without writing anything.
final class CaseCommandTests: XCTestCase {
    func duplicateFlag(_ cli: CLIHarness) throws -> String {
        let listed = cli.run(["flags", "--data", cli.data, "--rule", "exact-duplicate-payments", "--format", "json"])
        return try XCTUnwrap(try JSONValue.parse(Array(listed.stdout.utf8)).arrayValue?.first?.objectValue?["id"]?.stringValue)
    }

    func head(_ cli: CLIHarness) -> Int {
        cli.run(["log", "--data", cli.data]).lines.count
    }

    func testCaseWorkflowIsRecordedAndRefusesNonsense() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        let id = try duplicateFlag(cli)
        let base = ["--data", cli.data, "--actor", "user:inspector1"]
        let before = head(cli)

        let close = cli.run(["case", "close", id, "--outcome", "substantiated", "--text", "paid twice"] + base)
        XCTAssertEqual(close.status, 2)
        XCTAssertTrue(close.stderr.contains("cannot close a case that is open"), close.stderr)

        let noReason = cli.run(["case", "dismiss", id, "--text", "small"] + base)
        XCTAssertEqual(noReason.status, 2)
        XCTAssertTrue(noReason.stderr.contains("needs --reason"), noReason.stderr)
        let badReason = cli.run(["case", "dismiss", id, "--reason", "boring", "--text", "small"] + base)
        XCTAssertTrue(badReason.stderr.contains("data-entry-error"), badReason.stderr)

        XCTAssertEqual(head(cli), before, "refused actions wrote nothing")

        let assigned = cli.run(["case", "assign", id, "--to", "user:inspector2"] + base)
        XCTAssertEqual(assigned.status, 0, assigned.stderr)
        XCTAssertTrue(assigned.stdout.contains("recorded at seq 13; the case is now assigned"), assigned.stdout)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--status", "assigned", "--format", "csv"]).lines.count, 2)

        let asked = cli.run(["case", "request-information", id, "--from", "LA-MPWT", "--text", "both invoices"] + base)
        XCTAssertTrue(asked.stdout.contains("the case is now assigned"), asked.stdout + asked.stderr)
        XCTAssertEqual(cli.run(["case", "dismiss", id, "--reason", "documented-legitimate-reason",
                                "--text", "two invoices, see file 2024/17"] + base).status, 0)
        let shown = cli.run(["flags", "show", id, "--data", cli.data])
        XCTAssertTrue(shown.stdout.contains("status      dismissed"), shown.stdout)
        let again = cli.run(["case", "escalate", id, "--to", "DOI director", "--reason", "r"] + base)
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("cannot escalate a case that is dismissed: reopen it first"), again.stderr)
        XCTAssertEqual(cli.run(["case", "reopen", id, "--reason", "invoice 2 is a copy"] + base).status, 0)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--status", "open", "--rule", "exact-duplicate-payments",
                                "--format", "csv"]).lines.count, 2)

        let log = cli.run(["log", "--data", cli.data, "--stream", "case:\(id)"])
        XCTAssertTrue(log.stdout.contains("\"stream\":\"case:\(id)\""), log.stdout)
        XCTAssertEqual(log.lines.count, 4)
        XCTAssertTrue(log.stdout.contains("\"reasonCode\":\"documented-legitimate-reason\""), log.stdout)
        XCTAssertEqual(cli.run(["case", "assign", "0000", "--to", "u"] + base).status, 2)
        XCTAssertEqual(cli.run(["verify", "--data", cli.data]).status, 0)
    }
}
