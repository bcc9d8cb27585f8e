import CanonicalJSON
import Foundation
import XCTest

/// A portfolio with one project disbursing far more of its plan than seven peers of its sector
/// working group: `flags --evaluate` raises the population flag, the queue lists, filters and
/// shows it, and an inspector can work it as a case.
final class PopulationFlagsCommandTests: XCTestCase {
    private func example(_ type: String, project: String, _ edit: (inout JSONObject) -> Void = { _ in }) throws -> String {
        let data = try Data(contentsOf: ProjectionCommandTests.examples.appendingPathComponent("\(type).json"))
        guard case var .object(request)? = Optional(try JSONValue.parse(data)), case var .object(payload)? = request["payload"] else {
            throw CLIFailure(message: "bad example \(type)")
        }
        if payload["projectId"] != nil { payload["projectId"] = .string(project) }
        edit(&payload)
        request["stream"] = .string("project:\(project)")
        request["payload"] = .object(payload)
        return JSONValue.object(request).canonicalString
    }

    private func money(_ amount: String) -> JSONValue { ["amount": .string(amount), "currency": "USD"] }

    private func portfolio() throws -> CLIHarness {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        var lines: [String] = []
        let rates = ["P0": "700000", "P1": "720000", "P2": "740000", "P3": "760000", "P4": "780000", "P5": "800000", "P6": "820000",
                     "OUT": "2500000"]
        for project in rates.keys.sorted() {
            lines.append(try example("ProjectProposed", project: project))
            lines.append(try example("LocationAllocationRevised", project: project))
            lines.append(try example("AnnualBudgetPlanned", project: project) {
                $0["periodStart"] = "2023-01-01"; $0["periodEnd"] = "2023-12-31"; $0["amount"] = self.money("1000000") })
            lines.append(try example("DisbursementRecorded", project: project) { $0["date"] = "2023-06-01"; $0["amount"] = self.money(rates[project]!) })
        }
        lines.append(try example("DisbursementRecorded", project: "P0") { $0["date"] = "2024-02-01"; $0["amount"] = self.money("10") })
        let appended = cli.run(["append", "--data", cli.data, "--actor", "user:somsack"], stdin: lines.joined(separator: "\n"))
        XCTAssertEqual(appended.status, 0, appended.stderr)
        return cli
    }

    func testAnOutlierIsRaisedListedFilteredShownAndWorked() throws {
        let cli = try portfolio()
        let evaluated = cli.run(["flags", "--evaluate", "--data", cli.data, "--actor", "user:vanh"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        XCTAssertTrue(evaluated.stdout.contains("population rules evaluated at seq 34: 1 flag(s)"), evaluated.stdout)

        let listed = cli.run(["flags", "--data", cli.data, "--rule", "peer-execution-rate", "--format", "json"])
        let flags = try XCTUnwrap(try JSONValue.parse(Array(listed.stdout.utf8)).arrayValue)
        XCTAssertEqual(flags.count, 1)
        let flag = try XCTUnwrap(flags.first?.objectValue)
        XCTAssertEqual(flag["subject"], ["kind": "project", "name": "OUT", "project": ""])
        XCTAssertEqual(flag["amount"], ["amount": "2500000", "currency": "USD"])
        XCTAssertEqual(flag["evidence"], [3, 4], "OUT sorts first: its plan and its disbursement")
        XCTAssertEqual(flag["parameters"], ["minimumDeviationBasisPoints": 2500, "minimumPeers": 5, "zScoreHundredths": 350])
        let id = try XCTUnwrap(flag["id"]?.stringValue)

        func ids(_ filter: [String]) -> [String] {
            cli.run(["flags", "--data", cli.data, "--format", "csv"] + filter).lines.dropFirst().map { String($0.prefix(32)) }
        }
        XCTAssertTrue(ids(["--project", "OUT"]).contains(id))
        XCTAssertFalse(ids(["--project", "P1"]).contains(id))
        XCTAssertTrue(ids(["--province", "LA-SV"]).contains(id))
        XCTAssertFalse(ids(["--province", "LA-VT"]).contains(id))
        XCTAssertTrue(ids(["--partner", "XM-DAC-41114"]).contains(id))

        let shown = cli.run(["flags", "show", id, "--data", cli.data])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.contains("subject     project OUT (portfolio)"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("disbursed 250.0 % of its 2023 plan"), shown.stdout)
        XCTAssertEqual(shown.lines.filter { $0.hasSuffix("hash verifies") }.count, 2, shown.stdout)

        let assigned = cli.run(["case", "assign", id, "--to", "vanh", "--data", cli.data, "--actor", "user:vanh"])
        XCTAssertEqual(assigned.status, 0, assigned.stderr)
        XCTAssertEqual(ids(["--status", "assigned"]), [id])

        // A re-evaluation after more events keeps the id, and the case with it.
        let more = try example("DisbursementRecorded", project: "P2") { $0["date"] = "2024-03-01"; $0["amount"] = self.money("5") }
        XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: more).status, 0)
        let again = cli.run(["flags", "--evaluate", "--data", cli.data])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("a re-evaluation at seq 34 equals the stored flags"), again.stdout)
        XCTAssertEqual(ids(["--status", "assigned"]), [id])
    }

    func testEvaluateCatchesATamperedPopulationFlag() throws {
        let cli = try portfolio()
        XCTAssertEqual(cli.run(["flags", "--evaluate", "--data", cli.data]).status, 0)
        try SQLiteFile(path: cli.data + "/ledger.sqlite").execute("UPDATE insp_population_flags SET score = 1")
        let caught = cli.run(["flags", "--evaluate", "--data", cli.data])
        XCTAssertEqual(caught.status, 1, caught.stdout)
        XCTAssertTrue(caught.stderr.contains(": differs"), caught.stderr)
        XCTAssertTrue(caught.stderr.contains("rebuilt from the events"), caught.stderr)
        // The report names the difference and the table is rebuilt from the recorded evaluation.
        let repaired = cli.run(["flags", "--evaluate", "--data", cli.data])
        XCTAssertEqual(repaired.status, 0, repaired.stderr)
    }
}
