import CanonicalJSON
import EventLog
import Foundation
import ODA
import XCTest
@testable import Inspection
import TestSupport

/// The flag table kept on append equals a full evaluation, flag for flag and id for id, however
/// the events were batched, and a rebuild of the projection reproduces it.
final class FlagProjectorTests: TemporaryDirectoryTestCase {
    private var store: EventStore!
    private let actor = try! Actor(id: "user:somsack", role: "recorder")
    /// The rules that do not look at the recording clock (these tests record at today's time).
    private let engine = RuleEngine(rules: RuleCatalogue.subjectRules.filter { !["back-dated-entries", "off-hours-postings"].contains($0.id) })

    override func setUpWithError() throws {
        try super.setUpWithError()
        store = try EventStore.create(at: directory.appendingPathComponent("ledger.sqlite").path)
    }

    override func tearDownWithError() throws {
        store = nil
        try super.tearDownWithError()
    }

    private func event(_ project: String, _ type: String, _ payload: JSONObject) throws -> ProposedEvent {
        try ProposedEvent(stream: "project:\(project)", type: type, payload: payload)
    }

    private func payment(_ project: String, _ type: String, _ amount: String, _ currency: String = "USD",
                         payee: String = "Savan Drilling") throws -> ProposedEvent {
        try event(project, type, ["transactionId": "T", "date": "2024-05-14", "payee": .string(payee),
                                  "amount": ["amount": .string(amount), "currency": .string(currency)]])
    }

    /// Two projects with duplicate payments, an overspend in kip and a reversal; a rate in between.
    private func ledgerEvents() throws -> [ProposedEvent] {
        [
            try event("P1", "ProjectProposed", ["projectId": "P1", "plannedStartDate": "2024-01-01", "plannedEndDate": "2026-12-31"]),
            try event("P2", "ProjectProposed", ["projectId": "P2", "plannedStartDate": "2024-01-01", "plannedEndDate": "2024-03-31"]),
            try payment("P1", "CommitmentRecorded", "100000"),
            try ProposedEvent(stream: "fx:LAK", type: "ExchangeRateRecorded",
                              payload: ["baseCurrency": "USD", "quoteCurrency": "LAK", "rate": "20000"]),
            try payment("P1", "DisbursementRecorded", "2400000000", "LAK"),
            try payment("P2", "ExpenditureRecorded", "1234.50"),
            try payment("P2", "ExpenditureRecorded", "1234.50"),
            try payment("P1", "ExpenditureRecorded", "777.77", payee: "Vientiane Office Supply"),
            try event("P1", "TransactionReversed", ["reversedSeq": 8, "reason": "wrong project"]),
        ]
    }

    private func storedFlags() throws -> [Flag] {
        try store.withProjectionSnapshot { try FlagTable.all(in: $0) }
    }

    func testClockRulesAlsoAgreeWithAFullEvaluation() throws {
        try store.register(FlagProjector())
        for proposed in try ledgerEvents() { _ = try store.append([proposed], actor: actor) }
        XCTAssertEqual(try storedFlags(), try FullEvaluation.flags(in: store))
    }

    func testFlagsKeptOnAppendEqualAFullEvaluation() throws {
        try store.register(FlagProjector(engine: engine))
        for proposed in try ledgerEvents() { _ = try store.append([proposed], actor: actor) }
        let stored = try storedFlags()
        XCTAssertEqual(stored, try FullEvaluation.flags(in: store, engine: engine))
        XCTAssertEqual(Set(stored.map(\.ruleId)),
                       ["disbursement-above-commitment", "exact-duplicate-payments", "outside-project-window", "reversals"])
        let overspend = try XCTUnwrap(stored.first { $0.ruleId == "disbursement-above-commitment" })
        XCTAssertEqual(overspend.amount?.description, "20000 USD")
        XCTAssertTrue(overspend.amountIsUSD)
        XCTAssertEqual(overspend.evidence, [3, 5])
        let duplicate = try XCTUnwrap(stored.first { $0.ruleId == "exact-duplicate-payments" })
        XCTAssertEqual(duplicate.evidence, [6, 7])
        XCTAssertEqual(duplicate.subject.project, "P2")
    }

    func testOneBatchAndLateRegistrationGiveTheSameFlagsAsSingleAppends() throws {
        _ = try store.append(try ledgerEvents(), actor: actor)
        try store.register(FlagProjector(engine: engine))   // catches up from seq 0
        let caughtUp = try storedFlags()
        XCTAssertEqual(caughtUp, try FullEvaluation.flags(in: store, engine: engine))
        let rebuilt = try store.rebuild(FlagProjector(engine: engine), swap: false) { db, prefix in try FlagTable.all(in: db, prefix: prefix) }
        XCTAssertEqual(rebuilt.result, caughtUp)
        XCTAssertEqual(caughtUp.count, 4)
    }

    func testRuleConfiguredAppliesFromThenOnAndOldFlagsKeepTheirParameters() throws {
        try store.register(FlagProjector(engine: engine))
        let overspend = { (project: String) throws -> [ProposedEvent] in
            [try self.event(project, "ProjectProposed", ["projectId": .string(project), "plannedStartDate": "2024-01-01",
                                                         "plannedEndDate": "2026-12-31"]),
             try self.payment(project, "CommitmentRecorded", "100"), try self.payment(project, "DisbursementRecorded", "110")]
        }
        _ = try store.append(try overspend("P1"), actor: actor)
        try store.configureRule("disbursement-above-commitment", parameters: ["toleranceBasisPoints": 1500],
                                reason: "JPY projects: yen moved 14 % in 2022", actor: actor)
        _ = try store.append(try overspend("P2"), actor: actor)
        let flags = try storedFlags().filter { $0.ruleId == "disbursement-above-commitment" }
        XCTAssertEqual(flags.map(\.subject.project), ["P1"], "10 % is above 6 % but within the new 15 %")
        XCTAssertEqual(flags.first?.parameters, ["toleranceBasisPoints": 600])
        XCTAssertEqual(try storedFlags(), try FullEvaluation.flags(in: store, engine: engine))

        XCTAssertThrowsError(try store.configureRule("no-such-rule", parameters: ["x": 1], reason: "r", actor: actor))
        XCTAssertThrowsError(try store.configureRule("reversals", parameters: ["toleranceBasisPoints": 1], reason: "r", actor: actor)) {
            XCTAssertEqual("\($0)", "rule reversals has no parameter toleranceBasisPoints; its parameters: minimumReversals")
        }
        XCTAssertThrowsError(try store.configureRule("reversals", parameters: ["minimumReversals": -1], reason: "r", actor: actor))
        XCTAssertThrowsError(try store.configureRule("reversals", parameters: ["minimumReversals": 2], reason: " ", actor: actor))
    }
}
