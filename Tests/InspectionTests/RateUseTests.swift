import CanonicalJSON
import EventLog
import Foundation
import ODA
import XCTest
@testable import Inspection

/// What a rate recorded since a project was last judged re-judges (`RuleInputs.RateUse`): a rule
/// that reads no rate at the last seq keeps its flags, a payee rule whose rates give amounts
/// only re-judges the payees it flagged, and the incremental flags still equal a fresh judgement.
final class RateUseTests: XCTestCase {
    private var seq: Int64 = 0
    private var micros = Timestamp.parse("2023-03-06T02:00:00.000000Z")!.microsecondsSinceEpoch

    private func envelope(_ stream: String, _ type: String, _ payload: JSONObject) -> EventEnvelope {
        seq += 1
        micros += 3_600_000_000
        return EventEnvelope(
            seq: seq, stream: stream, streamVersion: seq, type: type, schemaVersion: 1, payload: payload,
            actor: try! Actor(id: "user:somsack"), recordedAt: Timestamp(microsecondsSinceEpoch: micros),
            occurredAt: nil, correlationId: nil, causationId: nil, idempotencyKey: nil, prev: .zero)
    }

    private func rate(_ quote: String, _ value: String) -> EventEnvelope {
        envelope("fx:" + quote, "ExchangeRateRecorded", ["baseCurrency": "USD", "quoteCurrency": .string(quote), "rate": .string(value)])
    }

    private func expenditure(_ payee: String, _ amount: String, _ currency: String, invoice: String, date: String) -> EventEnvelope {
        envelope("project:LA-RATE-1", "ExpenditureRecorded", [
            "transactionId": .string(invoice), "date": .string(date), "payee": .string(payee), "invoiceNumber": .string(invoice),
            "amount": ["amount": .string(amount), "currency": .string(currency)],
        ])
    }

    /// Folds `events` batch by batch as the projector does and checks the kept flags against a
    /// fresh judgement after each; returns the flags after each batch.
    private func fold(_ batches: [[EventEnvelope]], engine: RuleEngine = RuleEngine()) -> [[Flag]] {
        var rates = RateBook()
        var history = ProjectHistory(project: "LA-RATE-1")
        var state = RuleEngine.ProjectFlags()
        var table: [String: Flag] = [:]
        var out: [[Flag]] = []
        for batch in batches {
            var facts: [ProjectFact] = []
            for e in batch {
                guard e.stream.hasPrefix("project:") else { rates.record(e); continue }
                if let fact = ProjectFact(e) { history.apply(fact); facts.append(fact) }
                history.note(seq: e.seq, recordedAt: e.recordedAt)
            }
            guard !facts.isEmpty || batch.contains(where: { $0.stream.hasPrefix("project:") }) else { continue }
            history.rates = rates
            let change = engine.update(&state, with: history, newFacts: facts)
            for id in change.removed { table[id] = nil }
            for flag in change.written { table[flag.id] = flag }
            let expected = engine.flags(for: history)
            XCTAssertEqual(state.all, expected, "after seq \(history.lastSeq)")
            XCTAssertEqual(table.values.sorted { $0.id < $1.id }, expected, "written changes after seq \(history.lastSeq)")
            out.append(state.all)
        }
        return out
    }

    /// A near duplicate (one invoice paid in EUR and in USD) and a split purchase (kip and USD
    /// payments to one payee) are totalled in USD at the last seq: a new EUR and kip rate, then an
    /// expenditure to another payee, must change both flags' amounts.
    func testANewRateReJudgesTheFlaggedPayeesOfARuleWhoseAmountsItGives() {
        let batches: [[EventEnvelope]] = [
            [envelope("project:LA-RATE-1", "ProjectProposed", ["projectId": "LA-RATE-1", "plannedStartDate": "2023-01-01",
                                                               "plannedEndDate": "2025-12-31"])],
            [rate("EUR", "0.90"), rate("LAK", "20000")],
            [expenditure("Mekong Builders", "1000.00", "EUR", invoice: "INV-1", date: "2023-03-01")],
            [expenditure("Mekong Builders", "1100.00", "USD", invoice: "INV-1", date: "2023-03-02")],
            [expenditure("Savan Drilling", "3000000", "LAK", invoice: "S-1", date: "2023-03-03")],
            [expenditure("Savan Drilling", "2500000", "LAK", invoice: "S-2", date: "2023-03-05")],
            [expenditure("Savan Drilling", "100.00", "USD", invoice: "S-3", date: "2023-03-06")],
            [rate("EUR", "0.80"), rate("LAK", "25000")],
            [expenditure("Pakse Hardware", "75.10", "USD", invoice: "P-1", date: "2023-03-07")],
        ]
        let after = fold(batches)
        func amount(_ rule: String, _ flags: [Flag]) -> Amount? { flags.first { $0.ruleId == rule }?.amount }
        for rule in ["near-duplicate-payments", "splitting-below-procurement-threshold"] {
            let before = amount(rule, after[after.count - 2]), now = amount(rule, after[after.count - 1])
            XCTAssertNotNil(before, "\(rule) fired")
            XCTAssertEqual(before?.currency, .usd, rule)
            XCTAssertNotEqual(before, now, "\(rule): the new rate changed its USD total")
        }
    }

    /// A rule that declares it reads no rate but converts at the last seq is caught by the same
    /// check once a rate arrives and then an event the rule does not read: the equality above is
    /// not blind to rates.
    func testARuleWronglyDeclaringNoRatesIsCaught() {
        struct ConvertsAtLastSeq: Rule {
            let id = "converts-at-last-seq", version = 1, name = "Converts at the last seq", rationale = "test"
            let severity = Severity.low
            let parameters: [RuleParameter] = []
            let inputs = RuleInputs.transactions([.expenditure], rates: .none)
            func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
                guard let first = history.transactions.first(where: { $0.amount.currency != .usd }) else { return [] }
                return [RuleHit(subject: .project(history.project), evidence: [first.seq],
                                amount: history.rates.usd(first.amount, asOf: history.lastSeq), score: 10, explanation: "test")]
            }
        }
        let engine = RuleEngine(rules: [ConvertsAtLastSeq()])
        var history = ProjectHistory(project: "LA-RATE-1")
        var rates = RateBook()
        var state = RuleEngine.ProjectFlags()
        var differed = false
        for e in [rate("EUR", "0.90"), expenditure("Mekong Builders", "1000.00", "EUR", invoice: "I-1", date: "2023-03-01"),
                  rate("EUR", "0.80"), envelope("project:LA-RATE-1", "ProjectApproved", ["approvingAuthority": "MPI"])] {
            guard e.stream.hasPrefix("project:") else { rates.record(e); continue }
            history.apply(e)
            history.rates = rates
            _ = engine.update(&state, with: history, newFacts: ProjectFact(e).map { [$0] } ?? [])
            if state.all != engine.flags(for: history) { differed = true }
        }
        XCTAssertTrue(differed)
    }
}
