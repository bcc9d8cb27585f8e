import CanonicalJSON
import EventLog
import Foundation
import ODA
import XCTest
@testable import Inspection

/// The running judgements `RuleEngine.update` keeps per project (`RunningRule`) against each
/// rule's `evaluate`, over ledgers made to exercise them: projects paid in one currency and in
/// four, rates recorded between a project's events, `RuleConfigured` changes of every running
/// rule's parameters, reversals (of live, already reversed and unknown seqs), budget changes,
/// window revisions, December rushes, late and off-hours postings, and the cold path (a state
/// dropped and built again from the history) now and then.
final class RunningJudgementTests: XCTestCase {
    /// The rules that keep a running judgement; each must fire in the scenarios below.
    static let runningRuleIds = ["payee-concentration", "year-end-spike", "spending-above-annual-budget", "off-hours-postings", "counterpart-shortfall",
                                 "back-dated-entries", "round-amounts", "outside-project-window", "reversals"]

    /// A ledger of `projects` projects: project 0 pays in LAK only, project 1 in USD only, the
    /// others in USD, LAK, EUR and now and then JPY, whose rate is recorded only in the second half.
    static func envelopes(seed: UInt64, projects: Int, steps: Int) -> [EventEnvelope] {
        var random = seed &* 2_862_933_555_777_941_757 &+ 7
        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(bound))
        }
        var out: [EventEnvelope] = []
        var versions: [String: Int64] = [:]
        var transactions: [String: [Int64]] = [:]
        var micros = Timestamp.parse("2023-03-06T01:00:00.000000Z")!.microsecondsSinceEpoch
        let users = ["user:somsack", "user:khamla", "importer:adb"]
        func add(_ stream: String, _ type: String, _ payload: JSONObject) {
            // 20 minutes to ~3 days later: some at night, at weekends, on holidays.
            micros += Int64(20 + next(4_000)) * 60_000_000
            versions[stream, default: 0] += 1
            out.append(EventEnvelope(
                seq: Int64(out.count + 1), stream: stream, streamVersion: versions[stream]!, type: type, schemaVersion: 1,
                payload: payload, actor: try! Actor(id: users[next(users.count)]), recordedAt: Timestamp(microsecondsSinceEpoch: micros),
                occurredAt: nil, correlationId: nil, causationId: nil, idempotencyKey: nil, prev: .zero))
        }
        func money(_ amount: String, _ currency: String) -> JSONValue { ["amount": .string(amount), "currency": .string(currency)] }
        for p in 0..<projects {
            add("project:LA-RUN-\(p)", "ProjectProposed", ["projectId": .string("LA-RUN-\(p)"), "plannedStartDate": "2023-01-01",
                                                            "plannedEndDate": "2024-12-31"])
        }
        let settings: [(String, String, ClosedRange<Int>)] = [
            ("off-hours-postings", "workdayStartHour", 6...9), ("off-hours-postings", "workdayEndHour", 16...19),
            ("back-dated-entries", "maximumLagDays", 10...120), ("year-end-spike", "shareBasisPoints", 1_500...5_000),
            ("year-end-spike", "minimumPayments", 2...6), ("spending-above-annual-budget", "toleranceBasisPoints", 0...500),
            ("outside-project-window", "graceDays", 0...60), ("payee-concentration", "shareBasisPoints", 3_000...6_000),
            ("payee-concentration", "minimumPayees", 1...4), ("round-amounts", "minimumTrailingZeros", 2...5),
        ]
        for step in 0..<steps {
            let p = next(projects)
            let stream = "project:LA-RUN-\(p)"
            // Yen rarely, so a payee or a year often holds a single yen payment, whose reversal
            // takes the last unconverted amount out of a running total.
            let currencies = p == 0 ? ["LAK"] : p == 1 ? ["USD"] : next(12) == 0 ? ["JPY"] : ["USD", "LAK", "EUR"]
            let year = 2023 + next(2)
            switch next(30) {
            case 0, 1:
                // No yen rate in the first half: yen payments stay unconverted (and some are reversed) meanwhile.
                let quote = ["LAK", "EUR", "JPY"][next(step < steps / 2 ? 2 : 3)]
                let rate = quote == "LAK" ? "\(19_000 + next(3_000))" : quote == "EUR" ? "0.9\(next(10))" : "1\(40 + next(20)).5"
                add("fx:" + quote, "ExchangeRateRecorded", ["baseCurrency": "USD", "quoteCurrency": .string(quote), "rate": .string(rate)])
            case 2, 3:
                let (rule, name, range) = settings[next(settings.count)]
                add(RuleSettings.stream, RuleSettings.eventType, [
                    "ruleId": .string(rule), "parameters": [name: .integer(Int64(range.lowerBound + next(range.count)))], "reason": "test"])
            case 4:
                let currency = next(4) == 0 ? currencies[next(currencies.count)] : "USD"
                let amount = currency == "LAK" ? "\(200 + next(600))000000" : currency == "JPY" ? "\(3 + next(9))000000" : "\(20_000 + next(60_000))"
                add(stream, "AnnualBudgetPlanned", ["budgetLineId": .string("BL-\(next(2))"), "periodStart": .string("\(year)-01-01"),
                                                    "periodEnd": .string("\(year)-12-31"), "amount": money(amount, currency)])
            case 5:
                add(stream, "AnnualBudgetRevised", ["budgetLineId": .string("BL-\(next(2))"), "periodStart": .string("\(year)-01-01"),
                                                    "newAmount": money("\(10_000 + next(60_000))", "USD"), "previousAmount": money("50000", "USD")])
            case 6, 7:
                // Mostly a live transaction; now and then one reversed already, or a seq of no transaction.
                let seqs = transactions[stream] ?? []
                let target = seqs.isEmpty || next(8) == 0 ? Int64(1 + next(out.count)) : next(3) == 0 ? seqs.last! : seqs[next(seqs.count)]
                add(stream, "TransactionReversed", ["reversedSeq": .integer(target), "reason": "error"])
            case 8:
                add(stream, "ProjectDatesRevised", ["startDate": .string("2023-0\(1 + next(6))-01"), "endDate": .string("202\(4 + next(2))-0\(1 + next(9))-30")])
            case 9:
                add(stream, "ProjectApproved", ["approvingAuthority": "MPI"])
            default:
                let types = ["ExpenditureRecorded", "ExpenditureRecorded", "ExpenditureRecorded", "ExpenditureRecorded",
                             "DisbursementRecorded", "CommitmentRecorded", "CounterpartContributionRecorded"]
                let type = types[next(types.count)]
                let currency = currencies[next(currencies.count)]
                let round = next(5) == 0
                let amount = currency == "LAK" ? (round ? "\(1 + next(9))0000000" : "\(100_000 + next(9_000_000))")
                    : currency == "JPY" ? (round ? "\(1 + next(9))000000" : "\(1_000 + next(900_000))")
                    : (round ? "\(1 + next(9))0000" : "\(50 + next(20_000)).\(next(100))")
                // December often; a few dated outside the window or long before they are recorded.
                let recordedYear = Int(CivilDate.fromDaysSinceEpoch(micros / 86_400_000_000).year)
                let dateYear = next(10) == 0 ? [2022, 2026][next(2)] : next(6) == 0 ? recordedYear - 1 : year
                let month = next(3) == 0 ? 12 : 1 + next(12)
                let date = String(format: "%04d-%02d-%02d", dateYear, month, 1 + next(28))
                var payload: JSONObject = ["transactionId": "T", "date": .string(date), "amount": money(amount, currency)]
                if type == "CounterpartContributionRecorded" {
                    payload["kind"] = .string(next(2) == 0 ? "planned" : "actual")
                    payload["fiscalYear"] = .integer(Int64(year - 1))
                } else {
                    // A few payees, one of them favoured, so concentration comes and goes.
                    let payees = ["Savan Drilling", "Mekong Builders", "Lao Consult", "Pakse Hardware"]
                    payload["payee"] = .string(next(3) == 0 ? payees[0] : payees[next(payees.count)])
                }
                add(stream, type, payload)
                transactions[stream, default: []].append(Int64(out.count))
            }
        }
        return out
    }

    /// Folds `events` in random batches of 1 to 6; after each, every touched project's flags kept
    /// by `update` (and the table its changes were written to) equal a fresh `evaluate` of every
    /// rule, and a running rule that the batch concerns holds a running judgement. Every ninth
    /// batch of a project starts it cold, as a process that never saw it does.
    private func check(seed: UInt64, projects: Int, steps: Int, engine: RuleEngine = RuleEngine(),
                       file: StaticString = #filePath, line: UInt = #line) -> [Flag] {
        let events = Self.envelopes(seed: seed, projects: projects, steps: steps)
        let runningIndices = engine.rules.indices.filter { engine.rules[$0] is any RunningRule }
        XCTAssertEqual(runningIndices.count, Self.runningRuleIds.count, file: file, line: line)
        var rates = RateBook(), settings = RuleSettings()
        var histories: [String: ProjectHistory] = [:]
        var states: [String: RuleEngine.ProjectFlags] = [:]
        var tables: [String: [String: Flag]] = [:]
        var batches: [String: Int] = [:]
        var random = seed
        var i = 0
        var last: [String: [Flag]] = [:]
        while i < events.count {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            let size = 1 + Int((random >> 33) % 6)
            var facts: [String: [ProjectFact]] = [:]
            var touched: [String] = []
            for e in events[i..<min(events.count, i + size)] {
                guard e.stream.hasPrefix("project:") else { rates.record(e); settings.record(e); continue }
                let project = String(e.stream.dropFirst("project:".count))
                if !touched.contains(project) { touched.append(project) }
                histories[project, default: ProjectHistory(project: project)].apply(e)
                if let fact = ProjectFact(e) { facts[project, default: []].append(fact) }
            }
            i += size
            for project in touched {
                var history = histories[project]!
                history.rates = rates
                history.settings = settings
                batches[project, default: 0] += 1
                let warm = batches[project]! % 9 != 0 && states[project] != nil
                var state = warm ? states[project]! : RuleEngine.ProjectFlags()
                let change = engine.update(&state, with: history, newFacts: facts[project] ?? [])
                if !warm {
                    // Cold: the changes are relative to nothing, so the table starts again.
                    tables[project] = [:]
                    for flag in state.all { tables[project]![flag.id] = flag }
                } else {
                    for id in change.removed { tables[project, default: [:]][id] = nil }
                    for flag in change.written { tables[project, default: [:]][flag.id] = flag }
                }
                states[project] = state
                let expected = engine.flags(for: history)
                XCTAssertEqual(state.all, expected, "seed \(seed), project \(project), after seq \(history.lastSeq)", file: file, line: line)
                // The ids kept as flags come and go are those of the flags, in order.
                XCTAssertEqual(state.ids, expected.map(\.id), "seed \(seed): ids after seq \(history.lastSeq)", file: file, line: line)
                XCTAssertEqual(state.idsText, expected.map(\.id).joined(separator: ","), file: file, line: line)
                XCTAssertEqual((tables[project] ?? [:]).values.sorted { $0.id < $1.id }, expected,
                               "seed \(seed): written changes after seq \(history.lastSeq)", file: file, line: line)
                // A warm update whose facts concern a running rule leaves it a running judgement.
                for index in runningIndices where warm
                    && (facts[project] ?? []).contains(where: { engine.rules[index].inputs.kinds.contains($0.kind) }) {
                    XCTAssertNotNil(state.running[index], "\(engine.rules[index].id) keeps a running judgement", file: file, line: line)
                }
                last[project] = expected
                if state.all != expected { return last.values.flatMap { $0 } }
            }
        }
        return last.values.flatMap { $0 }
    }

    func testRunningJudgementsEqualEvaluateAfterEveryBatch() {
        var fired: [String: Int] = [:]
        var explanations: [String] = []
        for seed in 1...12 as ClosedRange<UInt64> {
            for flag in check(seed: seed, projects: 4, steps: 500) {
                fired[flag.ruleId, default: 0] += 1
                explanations.append(flag.explanation)
            }
        }
        // Only a test if every running rule fires, in one currency and in USD across several.
        for rule in Self.runningRuleIds { XCTAssertGreaterThan(fired[rule] ?? 0, 0, "\(rule) never fired: \(fired)") }
        XCTAssertTrue(explanations.contains { $0.contains("dated in December") && $0.contains("LAK") })
        XCTAssertTrue(explanations.contains { $0.contains("dated in December") && $0.contains("USD") })
        XCTAssertTrue(explanations.contains { $0.contains("of the project's expenditure") && $0.contains("LAK") })
    }

    /// The same for three projects (LAK only, USD only, four currencies) of several hundred
    /// events each, so the judgements run long between cold starts.
    func testRunningJudgementsFollowLongProjects() {
        let flags = check(seed: 99, projects: 3, steps: 2_000)
        XCTAssertGreaterThanOrEqual(Set(flags.map(\.ruleId)).count, 5)
    }

    /// An amount past what `RunningTotal` adds exactly drops the running judgement: the rule is
    /// judged by `evaluate`, and the flags still equal a full judgement.
    func testAnAmountOutOfRangeFallsBackToEvaluate() {
        let engine = RuleEngine()
        var history = ProjectHistory(project: "P")
        var state = RuleEngine.ProjectFlags()
        let at = Timestamp.parse("2024-12-14T15:00:00.000000Z")!
        var seq: Int64 = 0
        func expense(_ units: Int128) -> ProjectFact {
            seq += 1
            return ProjectFact(seq: seq, kind: .expenditure, actor: "user:a", recordedAt: at, date: "2024-12-10",
                               amount: Amount(tenThousandths: units, currency: .usd), party: "Savan Drilling")
        }
        for units: Int128 in [10_000_000, 20_000_000, 30_000_000] {
            let fact = expense(units)
            history.apply(fact)
            _ = engine.update(&state, with: history, newFacts: [fact])
        }
        let index = engine.rules.firstIndex { $0.id == "off-hours-postings" }!
        XCTAssertNotNil(state.running[index])
        let huge = expense(Int128(1) << 110)
        history.apply(huge)
        _ = engine.update(&state, with: history, newFacts: [huge])
        XCTAssertNil(state.running[index], "the judgement that met the amount is dropped")
        XCTAssertEqual(state.all, engine.flags(for: history))
        XCTAssertTrue(state.all.contains { $0.ruleId == "off-hours-postings" && $0.evidence == [1, 2, 3, 4] })
        let small = expense(5_000_000)
        history.apply(small)
        _ = engine.update(&state, with: history, newFacts: [small])
        XCTAssertEqual(state.all, engine.flags(for: history))
    }

    /// `RunningTotal` against `ProjectHistory.total` over random additions and removals in up to
    /// four currencies, with and without the rates to convert them.
    func testRunningTotalEqualsHistoryTotal() throws {
        var book = RateBook()
        book.record(try ExchangeRate(base: .usd, quote: .lak, rate: "21345.5"), seq: 1)
        book.record(try ExchangeRate(base: .usd, quote: CurrencyCode("EUR"), rate: "0.93"), seq: 2)
        let history = ProjectHistory(project: "P", rates: book)
        let currencies: [CurrencyCode] = [.usd, .lak, try CurrencyCode("EUR"), try CurrencyCode("JPY")]
        var random: UInt64 = 5
        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(bound))
        }
        for round in 0..<400 {
            var running = RunningTotal()
            var present: [Amount] = []
            let kinds = 1 + round % 4
            for _ in 0..<(1 + next(30)) {
                if !present.isEmpty && next(3) == 0 {
                    let gone = present.remove(at: next(present.count))
                    running.remove(gone, usd: book.usd(gone, asOf: 10))
                } else {
                    let amount = Amount(tenThousandths: Int128(next(2_000_000_000)) - 100_000_000, currency: currencies[next(kinds)])
                    present.append(amount)
                    running.add(amount, usd: book.usd(amount, asOf: 10))
                }
                XCTAssertEqual(running.total, history.total(present, asOf: 10), "round \(round): \(present)")
                XCTAssertEqual(running.count, present.count)
            }
        }
    }
}

/// Rates are tracked per currency: a rate of a currency a project holds no amount in leaves its
/// running judgements to follow on, a rate of one it holds has them convert their amounts in it
/// again (`rerate`: spending, concentration, year-end) or builds them again (the others); the
/// flags equal a full judgement either way.
final class RunningJudgementRateTests: XCTestCase {
    func testOnlyARateOfAHeldCurrencyBuildsTheJudgementsAgain() throws {
        let engine = RuleEngine()
        let index = engine.rules.firstIndex { $0.id == "payee-concentration" }!
        var history = ProjectHistory(project: "P")
        var state = RuleEngine.ProjectFlags()
        let at = Timestamp.parse("2024-12-14T15:00:00.000000Z")!
        var seq: Int64 = 0
        func rate(_ quote: String, _ value: String) throws {
            seq += 1
            history.rates.record(try ExchangeRate(base: .usd, quote: try CurrencyCode(quote), rate: value), seq: seq)
        }
        func expense(_ kip: Int128, _ payee: String) {
            seq += 1
            let fact = ProjectFact(seq: seq, kind: .expenditure, actor: "user:a", recordedAt: at, date: "2024-12-10",
                                   amount: Amount(tenThousandths: kip * 10_000, currency: .lak), party: payee)
            history.apply(fact)
            _ = engine.update(&state, with: history, newFacts: [fact])
            XCTAssertEqual(state.all, engine.flags(for: history), "after seq \(seq)")
        }
        try rate("LAK", "21000")
        for (i, kip) in ([5_000_000, 7_000_000, 9_000_000, 40_000_000] as [Int128]).enumerated() {
            expense(kip, ["Savan Drilling", "Mekong Builders", "Lao Consult", "Savan Drilling"][i])
        }
        let followed = try XCTUnwrap(state.running[index]).revision
        XCTAssertGreaterThan(followed, 0)
        let round = engine.rules.firstIndex { $0.id == "round-amounts" }!
        XCTAssertGreaterThan(try XCTUnwrap(state.running[round]).revision, 0)
        try rate("EUR", "0.93")
        expense(3_000_000, "Mekong Builders")
        XCTAssertEqual(state.running[index]?.revision, followed + 1, "a euro rate leaves a kip project's judgement to follow on")
        try rate("LAK", "21500")
        expense(2_000_000, "Lao Consult")
        XCTAssertEqual(state.running[index]?.revision, followed + 2,
                       "a kip rate has the concentration judgement convert its kip amounts again and follow on")
        XCTAssertEqual(state.running[round]?.revision, 0, "a judgement that cannot convert again is built again")
        XCTAssertTrue(state.all.contains { $0.ruleId == "payee-concentration" })
    }
}
