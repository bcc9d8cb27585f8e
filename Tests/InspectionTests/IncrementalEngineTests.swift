import CanonicalJSON
import EventLog
import Foundation
import ODA
import XCTest
@testable import Inspection

/// `RuleEngine.update` (what an append runs) against `RuleEngine.flags(for:)` (what a full
/// evaluation runs), after every batch of random events from the generator's kinds, recorded by
/// several users at random times: the rules' declared `RuleInputs` and the payee and user parts
/// must never miss a change. Also holds the fast full evaluation (facts read from stored bytes,
/// projects judged in parallel) to the reference one over decoded envelopes.
final class IncrementalEngineTests: XCTestCase {
    /// The scenario's events as envelopes with seqs, one of three users and recording times
    /// 1 to ~70 hours apart (some at night, at weekends, months after their date).
    static func envelopes(seed: UInt64, projects: Int, steps: Int) -> [EventEnvelope] {
        var scenario = MixedLedger(seed: seed, projects: projects)
        for _ in 0..<steps { scenario.step() }
        var micros = Timestamp.parse("2023-02-06T01:00:00.000000Z")!.microsecondsSinceEpoch
        var random = seed &* 2_862_933_555_777_941_757 &+ 3_037_000_493
        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(bound))
        }
        let users = ["user:somsack", "user:khamla", "importer:adb"]
        var versions: [String: Int64] = [:]
        return scenario.events.enumerated().map { index, proposed in
            micros += Int64(60 + next(4_000)) * 60_000_000
            versions[proposed.stream, default: 0] += 1
            return EventEnvelope(
                seq: Int64(index + 1), stream: proposed.stream, streamVersion: versions[proposed.stream]!, type: proposed.type,
                schemaVersion: 1, payload: proposed.payload, actor: try! Actor(id: users[next(users.count)]),
                recordedAt: Timestamp(microsecondsSinceEpoch: micros), occurredAt: nil, correlationId: nil, causationId: nil,
                idempotencyKey: nil, prev: .zero)
        }
    }

    /// Folds `events` in random batches; after each, every touched project's incrementally kept
    /// flags (and the table their changes were written to) equal a fresh judgement.
    private func checkIncremental(seed: UInt64, engine: RuleEngine = RuleEngine()) -> Set<String> {
        let events = Self.envelopes(seed: seed, projects: 3, steps: 260)
        var rates = RateBook(), settings = RuleSettings()
        var histories: [String: ProjectHistory] = [:]
        var states: [String: RuleEngine.ProjectFlags] = [:]
        var tables: [String: [String: Flag]] = [:]
        var fired: Set<String> = []
        var random = seed
        var i = 0
        while i < events.count {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            let size = 1 + Int((random >> 33) % 5)
            var facts: [String: [ProjectFact]] = [:]
            var touched: [String] = []
            for e in events[i..<min(events.count, i + size)] {
                guard e.stream.hasPrefix("project:") else { rates.record(e); settings.record(e); continue }
                let project = String(e.stream.dropFirst("project:".count))
                if !touched.contains(project) { touched.append(project) }
                if let fact = ProjectFact(e) {
                    histories[project, default: ProjectHistory(project: project)].apply(fact)
                    facts[project, default: []].append(fact)
                }
                histories[project, default: ProjectHistory(project: project)].note(seq: e.seq, recordedAt: e.recordedAt)
            }
            for project in touched {
                var history = histories[project]!
                history.rates = rates
                history.settings = settings
                var state = states[project] ?? RuleEngine.ProjectFlags()
                let change = engine.update(&state, with: history, newFacts: facts[project] ?? [])
                states[project] = state
                for id in change.removed { tables[project, default: [:]][id] = nil }
                for flag in change.written { tables[project, default: [:]][flag.id] = flag }
                let expected = engine.flags(for: history)
                XCTAssertEqual(state.all, expected, "seed \(seed), project \(project), after seq \(history.lastSeq)")
                XCTAssertEqual((tables[project] ?? [:]).values.sorted { $0.id < $1.id }, expected,
                               "seed \(seed): the written changes reproduce the flags after seq \(history.lastSeq)")
                fired.formUnion(expected.map(\.ruleId))
                if state.all != expected { return fired }
            }
            i += size
        }
        return fired
    }

    func testIncrementalUpdatesEqualAFreshJudgementAfterEveryBatch() {
        var fired: Set<String> = []
        for seed in 1...12 as ClosedRange<UInt64> { fired.formUnion(checkIncremental(seed: seed)) }
        // Only a test if the scenarios make the rules fire, the payee and user ones above all.
        for rule in ["exact-duplicate-payments", "near-duplicate-payments", "splitting-below-procurement-threshold",
                     "back-dated-entries", "off-hours-postings", "round-amounts", "reversals", "payee-concentration"] {
            XCTAssertTrue(fired.contains(rule), "\(rule) never fired; fired: \(fired.sorted())")
        }
        XCTAssertGreaterThanOrEqual(fired.count, 12, "rules that fired: \(fired.sorted())")
    }

    /// A rule that declares narrow inputs but reads more is caught: the check above is not blind.
    func testAWronglyDeclaredRuleIsCaught() {
        struct CountsEverything: Rule {
            let id = "counts-everything", version = 1, name = "Counts everything", rationale = "test"
            let severity = Severity.low
            let parameters: [RuleParameter] = []
            // Claims to depend on approvals only, but counts every transaction.
            let inputs = RuleInputs(kinds: [.approval])
            func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
                [RuleHit(subject: .project(history.project), evidence: history.transactions.map(\.seq), amount: nil, score: 10,
                         explanation: "\(history.transactions.count) transactions.")]
            }
        }
        let engine = RuleEngine(rules: [CountsEverything()])
        let events = Self.envelopes(seed: 4, projects: 1, steps: 60)
        var history = ProjectHistory(project: "LA-TEST-0")
        var state = RuleEngine.ProjectFlags()
        var differed = false
        for e in events where e.stream == "project:LA-TEST-0" {
            let fact = ProjectFact(e)
            history.apply(e)
            _ = engine.update(&state, with: history, newFacts: fact.map { [$0] } ?? [])
            if state.all != engine.flags(for: history) { differed = true }
        }
        XCTAssertTrue(differed)
    }

    /// The fast full evaluation over a store equals the reference over decoded envelopes.
    func testFullEvaluationFromStoredBytesEqualsTheDecodedReference() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("insp-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (seed, steps) in [(31, 4_000), (32, 700), (33, 700)] as [(UInt64, Int)] {
            var scenario = MixedLedger(seed: seed, projects: 7)
            for _ in 0..<steps { scenario.step() }
            var options = EventStore.Options()
            options.durability = .normal
            let clock = ScenarioClock("2023-02-06T01:00:00.000000Z")
            options.clock = { clock.advance(minutes: 377); return clock.now }
            let store = try EventStore.create(at: directory.appendingPathComponent("l\(seed).sqlite").path, options: options)
            for start in stride(from: 0, to: scenario.events.count, by: 97) {
                _ = try store.append(Array(scenario.events[start..<min(start + 97, scenario.events.count)]),
                                     actor: try Actor(id: "user:somsack"))
            }
            let envelopes = try store.events(EventQuery()).map(\.envelope)
            if seed == 31 { XCTAssertGreaterThan(envelopes.count, FullEvaluation.batchSize, "several parallel batches") }
            let fast = try FullEvaluation.flags(in: store)
            XCTAssertEqual(fast, FullEvaluation.flags(of: envelopes), "seed \(seed)")
            XCTAssertGreaterThan(Set(fast.map(\.ruleId)).count, 10)
        }
    }
}
