import EventLog
import ODA
import XCTest
@testable import Inspection

/// `PayeeChangeTest`, the test that lets an append skip a payee: whenever every new fact of a
/// batch touching a payee answers "cannot change", the rule's `evaluate` must give that payee
/// the same hits before and after the batch. Checked over random ledgers (pairs on one invoice,
/// equal payments on one day, splitting, reversals of flagged and unflagged payments, rates and
/// `RuleConfigured` changes of the near-duplicate window) folded in random batches, and the
/// skip must happen (else the engine equality tests would not exercise it).
final class PayeeChangeTestTests: XCTestCase {
    private static let rules: [any PayeeChangeTest] = [ExactDuplicatePayments(), NearDuplicatePayments(), SplittingBelowThreshold()]

    func testASkippedPayeeKeepsItsHits() {
        var skipped: [String: Int] = [:], rejudged: [String: Int] = [:]
        for seed in 1...10 as ClosedRange<UInt64> {
            let events = IncrementalEngineTests.envelopes(seed: seed, projects: 3, steps: 300)
            var rates = RateBook(), settings = RuleSettings()
            var histories: [String: ProjectHistory] = [:]
            var random = seed
            var i = 0
            while i < events.count {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                let size = 1 + Int((random >> 33) % 4)
                var before: [String: ProjectHistory] = [:]
                var facts: [String: [ProjectFact]] = [:]
                for e in events[i..<min(events.count, i + size)] {
                    guard e.stream.hasPrefix("project:") else { rates.record(e); settings.record(e); continue }
                    let project = String(e.stream.dropFirst("project:".count))
                    let history = histories[project] ?? ProjectHistory(project: project)
                    if before[project] == nil { before[project] = history }
                    histories[project] = history
                    histories[project]!.apply(e)
                    if let fact = ProjectFact(e) { facts[project, default: []].append(fact) }
                }
                i += size
                for (project, old) in before {
                    var old = old, new = histories[project]!
                    old.rates = rates; old.settings = settings
                    new.rates = rates; new.settings = settings
                    for rule in Self.rules {
                        let parameters = new.settings.parameters(for: rule, asOf: new.lastSeq)
                        // Parameters that moved re-judge the whole rule: nothing to skip then.
                        guard parameters == old.settings.parameters(for: rule, asOf: old.lastSeq) else { continue }
                        let oldHits = rule.evaluate(old, parameters: parameters), newHits = rule.evaluate(new, parameters: parameters)
                        for payee in Set((facts[project] ?? []).compactMap { touchedPayee(by: $0, in: new) }) {
                            let flagged = Array(Set(oldHits.filter { $0.subject.name == payee }.flatMap(\.evidence))).sorted()
                            let part = new.restricted(toPayee: payee)
                            let touching = (facts[project] ?? []).filter { touchedPayee(by: $0, in: new) == payee && rule.inputs.kinds.contains($0.kind) }
                            guard !touching.isEmpty else { continue }
                            if touching.contains(where: { rule.mayChange(part, by: $0, flagged: flagged, parameters: parameters) }) {
                                rejudged[rule.id, default: 0] += 1
                                continue
                            }
                            skipped[rule.id, default: 0] += 1
                            // A rate recorded in between may move a hit's amount (read at the last
                            // seq): the engine re-judges flagged payees for that on its own.
                            let ratesMoved = rates.count(asOf: new.lastSeq) != rates.count(asOf: old.lastSeq)
                            func seen(_ hits: [RuleHit]) -> Set<String> {
                                Set(hits.filter { $0.subject.name == payee }.map {
                                    "\($0.subject.key) \($0.evidence) \($0.score) \($0.explanation) " + (ratesMoved ? "" : "\(String(describing: $0.amount))")
                                })
                            }
                            XCTAssertEqual(seen(newHits), seen(oldHits), "seed \(seed), \(rule.id), \(payee) after seq \(new.lastSeq)")
                        }
                    }
                }
            }
        }
        for rule in Self.rules {
            XCTAssertGreaterThan(skipped[rule.id] ?? 0, 20, "\(rule.id) skips payees: \(skipped)")
            XCTAssertGreaterThan(rejudged[rule.id] ?? 0, 20, "\(rule.id) re-judges payees: \(rejudged)")
        }
    }

    /// A test that answers "cannot change" too often is caught by the engine's equality with a
    /// fresh judgement: the check the engine tests rely on is not blind to a wrong skip.
    func testAWrongSkipIsCaught() {
        struct NeverChanges: PayeeChangeTest {
            let base = ExactDuplicatePayments()
            var id: String { base.id }
            var version: Int { base.version }
            var name: String { base.name }
            var rationale: String { base.rationale }
            var severity: Severity { base.severity }
            var parameters: [RuleParameter] { base.parameters }
            var inputs: RuleInputs { base.inputs }
            func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
                base.evaluate(history, parameters: parameters)
            }
            func mayChange(_ part: ProjectHistory, by fact: ProjectFact, flagged: [Int64], parameters: [String: Int64]) -> Bool { false }
        }
        let engine = RuleEngine(rules: [NeverChanges()])
        var differed = false
        for seed in 1...4 as ClosedRange<UInt64> {
            var history = ProjectHistory(project: "LA-TEST-0")
            var state = RuleEngine.ProjectFlags()
            for e in IncrementalEngineTests.envelopes(seed: seed, projects: 1, steps: 200) where e.stream == "project:LA-TEST-0" {
                let fact = ProjectFact(e)
                history.apply(e)
                _ = engine.update(&state, with: history, newFacts: fact.map { [$0] } ?? [])
                if state.all != engine.flags(for: history) { differed = true }
            }
        }
        XCTAssertTrue(differed)
    }

    /// The payee a fact touches: its own, or that of the transaction a reversal names.
    private func touchedPayee(by fact: ProjectFact, in history: ProjectHistory) -> String? {
        fact.kind == .reversal ? fact.number.flatMap { history.transaction(at: $0)?.payee } : fact.party
    }
}
