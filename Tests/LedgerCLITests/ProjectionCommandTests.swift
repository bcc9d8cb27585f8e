import CanonicalJSON
import Foundation
import XCTest

/// `oda-ledger replay` and `oda-ledger project show` over a ledger built from the catalogue's
/// examples (project LA-MPI-2024-017): proposed and a rate (seq 1–2), approved (3), then active,
/// allocated, budgeted at 300,000 USD and revised to 280,000, committed 1,000,000 USD, disbursed
/// 250,000 USD and spent 412,500,000 LAK (4–11).
final class ProjectionCommandTests: XCTestCase {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Schemas/events/examples").standardized

    func lines(_ types: [String]) throws -> String {
        try types.map { type in
            let data = try Data(contentsOf: Self.examples.appendingPathComponent("\(type).json"))
            return try JSONValue.parse(data).canonicalString
        }.joined(separator: "\n") + "\n"
    }

    func recordedLedger() throws -> CLIHarness {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let batches: [(String, [String])] = [
            ("user:somsack", ["ExchangeRateRecorded", "ProjectProposed"]),
            ("user:khamla", ["ProjectApproved"]),
            ("user:somsack", ["ProjectStatusChanged", "SectorAllocationRevised", "LocationAllocationRevised", "AnnualBudgetPlanned",
                              "AnnualBudgetRevised", "CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded"]),
        ]
        for (actor, types) in batches {
            let result = cli.run(["append", "--data", cli.data, "--actor", actor], stdin: try lines(types))
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        return cli
    }

    func show(_ cli: CLIHarness, _ extra: [String] = []) throws -> JSONObject {
        let result = cli.run(["project", "show", "LA-MPI-2024-017", "--data", cli.data, "--format", "json"] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(try JSONValue.parse(Array(result.stdout.utf8)).objectValue)
    }

    func digest(_ output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("projection digest ") }.map { String($0.dropFirst("projection digest ".count)) }
    }

    func testProjectShowReportsTheStateAndHistoryNowAndAsOfASeq() throws {
        let cli = try recordedLedger()
        let now = try show(cli)
        XCTAssertEqual(now["asOfSeq"], 11)
        XCTAssertEqual(now["status"], "active")
        let line = try XCTUnwrap(now["budgetLines"]?.arrayValue?.first?.objectValue)
        XCTAssertEqual(line["original"], ["amount": "300000", "currency": "USD"])
        XCTAssertEqual(line["current"], ["amount": "280000", "currency": "USD"])
        XCTAssertEqual(line["revisionCount"], 1)
        let totals = try XCTUnwrap(now["totals"]?.objectValue)
        XCTAssertEqual(totals["disbursement"], [["amount": "250000", "currency": "USD"]])
        XCTAssertEqual(totals["expenditure"], [["amount": "412500000", "currency": "LAK"]])
        let history = try XCTUnwrap(now["history"]?.arrayValue)
        XCTAssertEqual(history.count, 10, "seq 2–11: every event of the project stream")
        let revision = try XCTUnwrap(history.first { $0.objectValue?["seq"] == 8 }?.objectValue)
        XCTAssertEqual(revision["decisionReference"], "PSC-2024-02")
        XCTAssertEqual(revision["actor"], "user:somsack")

        let approved = try show(cli, ["--as-of", "3"])
        XCTAssertEqual(approved["status"], "approved")
        XCTAssertEqual(approved["budgetLines"], [])
        XCTAssertEqual(approved["history"]?.arrayValue?.count, 2)
        // Business view at the end of March 2024: committed (2024-02-20), nothing disbursed yet (2024-04-02).
        let march = try XCTUnwrap(try show(cli, ["--effective", "2024-03-31"])["totals"]?.objectValue)
        XCTAssertEqual(march["commitment"], [["amount": "1000000", "currency": "USD"]])
        XCTAssertEqual(march["disbursement"], [])
        XCTAssertEqual(cli.run(["project", "show", "LA-MPI-2024-017", "--data", cli.data, "--as-of", "3", "--effective", "2024-03-31"]).status, 2)
        let table = cli.run(["project", "show", "LA-MPI-2024-017", "--data", cli.data])
        XCTAssertTrue(table.stdout.contains("BL-1 2024-01-01..2024-12-31  original 300000 USD  current 280000 USD  revisions 1"), table.stdout)

        let missing = cli.run(["project", "show", "LA-NONE", "--data", cli.data])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no project LA-NONE as of seq 11"), missing.stderr)
        XCTAssertEqual(cli.run(["project", "show", "LA-MPI-2024-017", "--data", cli.data, "--as-of", "soon"]).status, 2)
    }

    func testReplayReportsTheDigestAndRepairsATamperedProjection() throws {
        let cli = try recordedLedger()
        let first = cli.run(["replay", "--data", cli.data])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("replayed 11 events; shadow tables swapped in"), first.stdout)
        XCTAssertTrue(first.stdout.contains("the live projection had the same digest"), first.stdout)
        let atHead = cli.run(["replay", "--data", cli.data, "--to", "11"])
        XCTAssertEqual(digest(atHead.stdout), digest(first.stdout))
        let earlier = cli.run(["replay", "--data", cli.data, "--to", "3"])
        XCTAssertTrue(earlier.stdout.contains("replayed 3 events into shadow tables; live projection unchanged"), earlier.stdout)
        XCTAssertNotEqual(digest(earlier.stdout), digest(first.stdout))

        try SQLiteFile(path: cli.data + "/ledger.sqlite").execute("UPDATE proj_budget_lines SET current = '1'")
        let repaired = cli.run(["replay", "--data", cli.data])
        XCTAssertEqual(repaired.status, 1)
        XCTAssertTrue(repaired.stdout.contains("the live projection differed"), repaired.stdout)
        XCTAssertEqual(digest(repaired.stdout), digest(first.stdout))
        let line = try XCTUnwrap(try show(cli)["budgetLines"]?.arrayValue?.first?.objectValue)
        XCTAssertEqual(line["current"], ["amount": "280000", "currency": "USD"])
        XCTAssertEqual(cli.run(["replay", "--data", cli.data, "--to", "3", "--as-of", "2024-01-01"]).status, 2)
    }

    func testPortfolioConvertsThroughRecordedRatesAndShowsThem() throws {
        let cli = try recordedLedger()
        // The example rate takes effect on 2024-12-31, after every transaction: USD figures need an earlier one.
        let refused = cli.run(["portfolio", "--data", cli.data, "--currency", "USD"])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("no exchange rate between LAK and USD effective on or before 2024-05-14"), refused.stderr)
        let rate = try lines(["ExchangeRateRecorded"])
            .replacingOccurrences(of: "\"rate\":\"20167.12\"", with: "\"rate\":\"20000\"")
            .replacingOccurrences(of: "2024-12-31", with: "2024-01-01")
        XCTAssertEqual(cli.run(["append", "--data", cli.data, "--actor", "user:somsack"], stdin: rate).status, 0)

        // 412,500,000 LAK / 20,000 = 20,625 USD; 250,000 / 280,000 = 89.29 %; 20,625 / 280,000 = 7.37 %.
        let csv = cli.run(["portfolio", "--data", cli.data, "--currency", "USD", "--format", "csv", "--year", "2024"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertEqual(csv.lines, [
            "partner,currency,planned,committed,disbursed,spent,disbursement_rate,spend_rate",
            "XM-DAC-41114,USD,280000,1000000,250000,20625,89.3,7.4",
            "total,USD,280000,1000000,250000,20625,89.3,7.4",
        ])
        let table = cli.run(["portfolio", "--data", cli.data, "--currency", "USD", "--by", "province"])
        XCTAssertTrue(table.stdout.contains("rate used: 1 USD = 20000 LAK effective 2024-01-01 (seq 12)"), table.stdout)
        XCTAssertTrue(table.lines.contains { $0.hasPrefix("LA-SV") && $0.contains("168000.00") && $0.contains("150000.00") }, table.stdout)
        let json = cli.run(["portfolio", "--data", cli.data, "--by", "year", "--format", "json"])
        let rows = try XCTUnwrap(try JSONValue.parse(Array(json.stdout.utf8)).objectValue?["rows"]?.arrayValue)
        XCTAssertEqual(rows.map { $0.objectValue?["currency"] }, ["LAK", "USD"])
        XCTAssertEqual(rows.last?.objectValue?["disbursementRate"], "89.3")
        XCTAssertEqual(cli.run(["portfolio", "--data", cli.data, "--by", "donor"]).status, 2)
    }
}
