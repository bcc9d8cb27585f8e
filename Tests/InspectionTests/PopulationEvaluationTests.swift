import CanonicalJSON
import EventLog
import Foundation
import ODA
import XCTest
@testable import Inspection
import TestSupport

/// Population evaluations recorded in the ledger: their flags land in the flag table beside the
/// subject flags, are reproduced by a re-evaluation and by a fresh projector, keep their ids, and
/// can be worked as cases.
final class PopulationEvaluationTests: TemporaryDirectoryTestCase {
    private var store: EventStore!
    private let actor = try! Actor(id: "user:somsack", role: "recorder")
    private let inspector = try! Actor(id: "user:vanh", role: "inspector")

    override func setUpWithError() throws {
        try super.setUpWithError()
        store = try EventStore.create(at: directory.appendingPathComponent("ledger.sqlite").path)
        try store.register(FlagProjector(engine: RuleEngine(rules: [ExactDuplicatePayments()])))
        try store.register(CaseProjector())
        try store.register(PopulationFlagProjector())
    }

    override func tearDownWithError() throws {
        store = nil
        try super.tearDownWithError()
    }

    /// The portfolio of `PopulationRuleTests`' execution outlier, appended one event at a time.
    private func appendPortfolio() throws {
        var b = PortfolioBuilder()
        for i in 0..<7 {
            b.project("H\(i)")
            b.plan("H\(i)", "1000000")
            b.pay("H\(i)", amount: String(700_000 + 20_000 * i))
        }
        b.project("OUT")
        b.plan("OUT", "1000000")
        b.pay("OUT", amount: "2500000")
        b.pay("OUT", "ExpenditureRecorded", amount: "99", payee: "Twice Co")
        b.pay("OUT", "ExpenditureRecorded", amount: "99", payee: "Twice Co")
        b.pay("H0", amount: "1000", date: "2024-01-15")
        for e in b.events { _ = try store.append([try ProposedEvent(stream: e.stream, type: e.type, payload: e.payload)], actor: actor) }
    }

    private func storedFlags() throws -> [Flag] { try store.withProjectionSnapshot { try FlagQueue.all(in: $0) } }

    func testAnEvaluationPutsPortfolioFlagsBesideSubjectFlags() throws {
        try appendPortfolio()
        XCTAssertEqual(try storedFlags().map(\.ruleId), ["exact-duplicate-payments"], "nothing population-wide before an evaluation")
        let seq = try XCTUnwrap(try store.evaluatePopulationRules(trigger: .onDemand, actor: inspector))
        let stored = try storedFlags()
        let population = stored.filter(\.subject.isPortfolioWide)
        XCTAssertEqual(population.map(\.ruleId), ["peer-execution-rate"])
        XCTAssertEqual(population.first?.id, Flag.id(rule: "peer-execution-rate", subject: .portfolio(.project, "OUT")))
        XCTAssertEqual(population.first?.amountIsUSD, true)
        XCTAssertEqual(population, try PopulationEvaluation().flags(in: store, throughSeq: seq - 1))
        XCTAssertEqual(stored.filter { !$0.subject.isPortfolioWide }.map(\.ruleId), ["exact-duplicate-payments"])

        // Nothing new: nothing recorded. A new event and a new evaluation: the same id.
        XCTAssertNil(try store.evaluatePopulationRules(trigger: .scheduled, actor: inspector))
        _ = try store.append([try ProposedEvent(stream: "project:H2", type: "DisbursementRecorded", payload: [
            "transactionId": "T", "date": "2024-02-01", "amount": ["amount": "10", "currency": "USD"]])], actor: actor)
        let second = try XCTUnwrap(try store.evaluatePopulationRules(trigger: .scheduled, actor: inspector))
        XCTAssertGreaterThan(second, seq)
        XCTAssertEqual(try storedFlags().filter(\.subject.isPortfolioWide).map(\.id), population.map(\.id))
        XCTAssertEqual(try store.latestPopulationEvaluation(), second)
    }

    func testANewEvaluationReplacesFlagsThatNoLongerHold() throws {
        try appendPortfolio()
        try store.evaluatePopulationRules(trigger: .onDemand, actor: inspector)
        XCTAssertEqual(try storedFlags().filter(\.subject.isPortfolioWide).count, 1)
        try store.configureRule("peer-execution-rate", parameters: ["minimumPeers": 20], reason: "too few peers in Laos", actor: inspector)
        try store.evaluatePopulationRules(trigger: .onDemand, actor: inspector)
        XCTAssertEqual(try storedFlags().filter(\.subject.isPortfolioWide), [])
        XCTAssertEqual(try storedFlags().map(\.ruleId), ["exact-duplicate-payments"], "subject flags untouched")
    }

    func testARebuildReproducesThePortfolioFlagsFromTheEvents() throws {
        try appendPortfolio()
        try store.evaluatePopulationRules(trigger: .onDemand, actor: inspector)
        let before = try store.withProjectionSnapshot { try PopulationFlagTable.all(in: $0) }
        XCTAssertEqual(before.count, 1)
        // Rows from an evaluation by no rules at all; a rebuild with the real rules restores them from the events.
        _ = try store.rebuild(PopulationFlagProjector(evaluation: PopulationEvaluation(rules: [])), swap: true) { _, _ in }
        XCTAssertEqual(try store.withProjectionSnapshot { try PopulationFlagTable.all(in: $0) }, [])
        _ = try store.rebuild(PopulationFlagProjector(), swap: true) { _, _ in }
        XCTAssertEqual(try store.withProjectionSnapshot { try PopulationFlagTable.all(in: $0) }, before)
        // Rebuilding the subject flags leaves the population flags alone.
        _ = try store.rebuild(FlagProjector(engine: RuleEngine(rules: [ExactDuplicatePayments()])), swap: true) { _, _ in }
        XCTAssertEqual(try store.withProjectionSnapshot { try FlagQueue.all(in: $0) }.filter(\.subject.isPortfolioWide), before)
    }

    func testAPopulationFlagCanBeWorkedAsACase() throws {
        try appendPortfolio()
        try store.evaluatePopulationRules(trigger: .onDemand, actor: inspector)
        let id = try XCTUnwrap(try storedFlags().first(where: \.subject.isPortfolioWide)?.id)
        XCTAssertEqual(try store.recordCaseAction(.assign(to: "user:vanh", note: nil), flagId: id, actor: inspector).status, .assigned)
        XCTAssertEqual(try store.recordCaseAction(.close(.referred, text: "to the State Audit Organisation"), flagId: id, actor: inspector).status,
                       .closed)
        try store.evaluatePopulationRules(trigger: .onDemand, actor: inspector)
        XCTAssertEqual(try store.withProjectionSnapshot { try CaseTable.statuses(in: $0) }[id], .closed, "the case survives re-evaluation")
    }
}
