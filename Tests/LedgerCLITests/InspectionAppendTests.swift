import CanonicalJSON
import Foundation
import XCTest

/// Case events and `RuleConfigured` through the generic `oda-ledger append`: the schema and the
/// Inspection checks both apply, a refusal names the event and the member, and nothing of a
/// refused batch is written. `flags --evaluate` records population evaluations.
final class InspectionAppendTests: XCTestCase {
    private func flagID(_ cli: CLIHarness) throws -> String {
        let listed = cli.run(["flags", "--data", cli.data, "--rule", "exact-duplicate-payments", "--format", "json"])
        let flags = try XCTUnwrap(try JSONValue.parse(Array(listed.stdout.utf8)).arrayValue)
        return try XCTUnwrap(flags.first?.objectValue?["id"]?.stringValue)
    }

    private func line(_ stream: String, _ type: String, _ payload: JSONObject) -> String {
        JSONValue.object(["stream": .string(stream), "type": .string(type), "payload": .object(payload)]).canonicalString
    }

    private func caseLine(_ id: String, _ type: String, _ payload: JSONObject, stream: String? = nil) -> String {
        var payload = payload
        payload["flagId"] = .string(id)
        return line(stream ?? "case:\(id)", type, payload)
    }

    private func caseEvents(_ cli: CLIHarness, _ id: String) -> Int {
        cli.run(["log", "--data", cli.data, "--stream", "case:\(id)"]).lines.count
    }

    func testCaseEventsGoThroughTheWorkflow() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        let id = try flagID(cli)
        let before = caseEvents(cli, id)
        let assigned = cli.run(["append", "--data", cli.data, "--actor", "user:vanh"],
                               stdin: caseLine(id, "CaseAssigned", ["assignee": "vanh"]) + "\n")
        XCTAssertEqual(assigned.status, 0, assigned.stderr)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--status", "assigned", "--format", "csv"]).lines.count, 2)

        let reopen = cli.run(["append", "--data", cli.data], stdin: caseLine(id, "CaseReopened", ["reason": "why not"]))
        XCTAssertEqual(reopen.status, 2)
        XCTAssertTrue(reopen.stderr.contains("event 1: /type: cannot reopen a case that is assigned"), reopen.stderr)

        // A batch whose second event breaks the workflow after the first: nothing is written.
        let batch = caseLine(id, "CaseDismissed", ["reasonCode": "duplicate-alert", "text": "same as flag 12"]) + "\n"
            + caseLine(id, "CaseClosed", ["outcome": "substantiated", "text": "paid twice"])
        let refused = cli.run(["append", "--data", cli.data], stdin: batch)
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("event 2: /type: cannot close a case that is dismissed"), refused.stderr)
        XCTAssertEqual(caseEvents(cli, id), before + 1, "only the assignment is recorded")

        // Closing with an idempotency key, twice: the retry returns the original event.
        var close = try XCTUnwrap(try JSONValue.parse(Array(caseLine(id, "CaseClosed", ["outcome": "substantiated", "text": "paid twice"]).utf8)).objectValue)
        close["idempotencyKey"] = "close-1"
        let closed = cli.run(["append", "--data", cli.data], stdin: JSONValue.object(close).canonicalString)
        XCTAssertEqual(closed.status, 0, closed.stderr)
        let retried = cli.run(["append", "--data", cli.data], stdin: JSONValue.object(close).canonicalString)
        XCTAssertEqual(retried.status, 0, retried.stderr)
        XCTAssertTrue(retried.stdout.contains("\"alreadyRecorded\":true"), retried.stdout)
        XCTAssertEqual(caseEvents(cli, id), before + 2)
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--status", "closed", "--format", "csv"]).lines.count, 2)
    }

    func testBadCaseEventsNameTheField() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        let id = try flagID(cli)
        let cases: [(String, String)] = [
            (caseLine(String(repeating: "0", count: 32), "CaseCommented", ["text": "hello"]), "/payload/flagId: no flag 00000000"),
            (caseLine(id, "CaseCommented", ["text": "hello"], stream: "case:" + String(repeating: "a", count: 32)),
             "/payload/flagId: must name the stream's id"),
            (caseLine(id, "CaseCommented", ["text": "   "]), "/payload/text: must not be blank"),
            (caseLine(id, "CaseDismissed", ["reasonCode": "because", "text": "t"]), "/payload/reasonCode"),
            (caseLine(id, "CaseCommented", ["text": "hello"], stream: "project:\(id)"), "/stream: CaseCommented events belong on streams named case:<id>"),
        ]
        for (request, expected) in cases {
            let result = cli.run(["append", "--data", cli.data], stdin: request)
            XCTAssertEqual(result.status, 2, request)
            XCTAssertTrue(result.stderr.contains(expected), "\(request)\n\(result.stderr)")
        }
        XCTAssertEqual(caseEvents(cli, id), 0)
    }

    func testRuleConfiguredIsCheckedAgainstTheCatalogue() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        func configure(_ payload: JSONObject, stream: String = "rules") -> CLIResult {
            cli.run(["append", "--data", cli.data, "--actor", "user:admin"], stdin: line(stream, "RuleConfigured", payload))
        }
        func payload(_ parameters: JSONObject, rule: String = "payee-concentration", version: Int64 = 1) -> JSONObject {
            ["ruleId": .string(rule), "ruleVersion": .integer(version), "parameters": .object(parameters), "reason": "tested"]
        }
        let refusals: [(CLIResult, String)] = [
            (configure(payload(["x": 1], rule: "no-such-rule")), "/payload/ruleId: no rule no-such-rule"),
            (configure(payload(["minimumPayees": 4], version: 2)), "/payload/ruleVersion: rule payee-concentration is at version 1, not 2"),
            (configure(payload(["zeros": 4])), "/payload/parameters/zeros: rule payee-concentration has no parameter zeros"),
            (configure(payload(["shareBasisPoints": 20000])), "/payload/parameters/shareBasisPoints: shareBasisPoints must be between 0 and 10000"),
            (configure(payload(["minimumPayees": "four"])), "/payload/parameters/minimumPayees: minimumPayees must be an integer"),
            (configure(payload(["minimumPayees": -1])), "/payload/parameters/minimumPayees: minimumPayees must be 0 or more"),
            (configure(payload([:])), "/payload/parameters: give at least one"),
            (configure(payload(["minimumPayees": 4]), stream: "rules:x"), "/stream: RuleConfigured events belong on streams named rules;"),
            (configure(["ruleId": "payee-concentration", "ruleVersion": 1, "parameters": ["minimumPayees": 4]]), "/payload/reason: is required"),
        ]
        for (result, expected) in refusals {
            XCTAssertEqual(result.status, 2, expected)
            XCTAssertTrue(result.stderr.contains(expected), "\(expected) <> \(result.stderr) \(result.stdout)")
        }
        XCTAssertEqual(cli.run(["log", "--data", cli.data, "--stream", "rules"]).stdout, cli.run(["log", "--data", cli.data, "--stream", "nothing"]).stdout)

        let ok = configure(payload(["minimumPeers": 3], rule: "peer-execution-rate"))
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(cli.run(["log", "--data", cli.data, "--stream", "rules"]).stdout.contains("\"minimumPeers\":3"))
    }

    func testEvaluateRecordsAPopulationEvaluationOnlyWhenSomethingChanged() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        let first = cli.run(["flags", "--evaluate", "--data", cli.data, "--actor", "user:vanh"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("the population rules were never evaluated"), first.stdout)
        XCTAssertTrue(first.stdout.contains("population rules evaluated at seq 13: 0 flag(s)"), first.stdout)
        let second = cli.run(["flags", "--evaluate", "--data", cli.data])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("a re-evaluation at seq 13 equals the stored flags"), second.stdout)
        XCTAssertTrue(second.stdout.contains("already evaluated at the head (seq 13); nothing recorded"), second.stdout)
        XCTAssertTrue(cli.run(["log", "--data", cli.data, "--stream", "inspection"]).stdout.contains("PopulationRulesEvaluated"))
        XCTAssertEqual(cli.run(["flags", "--data", cli.data, "--rule", "peer-execution-rate"]).lines, ["0 flag(s)"])
    }

    func testThePopulationScheduleIsALedgerSetting() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        _ = try cli.write("data/ledger.conf", "checkpoint.every_events = 0\ncheckpoint.every_minutes = 0\ninspection.population_every_minutes = -5\n")
        let bad = cli.run(["flags", "--evaluate", "--data", cli.data])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("inspection.population_every_minutes must be a whole number from 0 to 5256000"), bad.stderr)
    }
}
