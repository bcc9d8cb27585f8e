import CanonicalJSON
import EventLog
import XCTest

/// `oda-ledger append` checks every event against the ODA catalogue before writing anything.
final class AppendValidationTests: XCTestCase {
    func testRefusalsNameTheEventThePointerAndTheRuleAndAppendNothing() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let proposal = eventLine(0, stream: "project:LA-7", proposesProject: true, amount: "1000")
        let cases: [(String, String)] = [
            (#"{"stream":"project:LA-7","type":"Disbursement","payload":{}}"#,
             "event 2: /type: must be an ODA event type"),
            (eventLine(1, stream: "project:LA-7", proposesProject: false, amount: "10").replacingOccurrences(of: "LAK", with: "XYZ"),
             "event 2: /payload/amount/currency: must be an ISO 4217 code; XYZ is not one"),
            (eventLine(1, stream: "project:LA-8", proposesProject: false, amount: "10"),
             "event 2: /stream: project LA-8 does not exist: record ProjectProposed on project:LA-8 first"),
            (eventLine(1, stream: "project:LA-7", proposesProject: false, amount: "1e3"),
             "event 2: /payload/amount/amount:"),
        ]
        for (bad, expected) in cases {
            let result = cli.run(["append", "--data", cli.data], stdin: proposal + "\n" + bad + "\n")
            XCTAssertEqual(result.status, 2, bad)
            XCTAssertTrue(result.stderr.contains("standard input " + expected), "\(expected) not in: \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("nothing was appended"), result.stderr)
            XCTAssertEqual(cli.run(["log", "--data", cli.data]).stdout, "", "nothing was written for: \(bad)")
        }
        let valid = cli.run(["append", "--data", cli.data],
                            stdin: proposal + "\n" + eventLine(1, stream: "project:LA-7", proposesProject: false, amount: "10") + "\n")
        XCTAssertEqual(valid.status, 0, valid.stderr)
        XCTAssertEqual(valid.lines.count, 2)
    }

    func testTheProposerCannotApproveTheirOwnProject() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let proposal = eventLine(0, stream: "project:LA-7", proposesProject: true, amount: "1000")
        XCTAssertEqual(cli.run(["append", "--data", cli.data, "--actor", "user:somsack"], stdin: proposal).status, 0)
        let approval = #"{"stream":"project:LA-7","type":"ProjectApproved","payload":{"approvingAuthority":"MPI","approvalReference":"MPI/DIC/2024/1","approvalDate":"2024-02-01"}}"#
        let own = cli.run(["append", "--data", cli.data, "--actor", "user:somsack"], stdin: approval)
        XCTAssertEqual(own.status, 2)
        XCTAssertTrue(own.stderr.contains("event 1: /actor: user:somsack proposed project LA-7 and cannot also approve it"), own.stderr)
        XCTAssertEqual(cli.run(["append", "--data", cli.data, "--actor", "user:khamla"], stdin: approval).status, 0)
        XCTAssertEqual(try cli.store().head().seq, 2)
    }

    func testASmallOfficeMayAllowSelfApprovalWhichIsThenRecorded() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        try "approval.allow_self = true\n".write(toFile: cli.data + "/ledger.conf", atomically: true, encoding: .utf8)
        let proposal = eventLine(0, stream: "project:LA-7", proposesProject: true, amount: "1000")
        let approval = #"{"stream":"project:LA-7","type":"ProjectApproved","payload":{"approvingAuthority":"MPI","approvalReference":"MPI/DIC/2024/1","approvalDate":"2024-02-01"}}"#
        XCTAssertEqual(cli.run(["append", "--data", cli.data, "--actor", "user:somsack"], stdin: proposal).status, 0)
        let own = cli.run(["append", "--data", cli.data, "--actor", "user:somsack"], stdin: approval)
        XCTAssertEqual(own.status, 0, own.stderr)
        let recorded = try XCTUnwrap(try cli.store().event(at: 2))
        XCTAssertEqual(recorded.envelope.payload["selfApproved"], .bool(true), "recorded so inspection can flag it")

        try "approval.allow_self = yes\n".write(toFile: cli.data + "/ledger.conf", atomically: true, encoding: .utf8)
        let bad = cli.run(["append", "--data", cli.data, "--actor", "user:somsack"], stdin: approval)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("line 1: approval.allow_self must be true or false"), bad.stderr)
    }
}
