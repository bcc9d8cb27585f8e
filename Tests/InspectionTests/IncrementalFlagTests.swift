import CanonicalJSON
import EventLog
import Foundation
import ODA
import SQLite
import XCTest
@testable import Inspection
import TestSupport

/// A recording clock the tests move by hand, so postings fall at night, at weekends and long
/// after their business date where the scenario wants them.
final class ScenarioClock: @unchecked Sendable {
    private let lock = NSLock()
    private var micros: Int64

    init(_ start: String) { micros = Timestamp.parse(start)!.microsecondsSinceEpoch }

    func advance(minutes: Int64) { lock.withLock { micros += minutes * 60_000_000 } }
    var now: Timestamp { lock.withLock { Timestamp(microsecondsSinceEpoch: micros) } }
}

/// A deterministic mixed ledger: several projects in several currencies, rates that change
/// between a project's events, `RuleConfigured` events, reversals, locks, self-approvals,
/// duplicate and near-duplicate payments, splitting, counterpart plans, payments at night and
/// long after their date, so every subject rule has something to judge.
struct MixedLedger {
    private var random: UInt64
    private(set) var events: [ProposedEvent] = []
    private var proposed: Set<String> = []
    private var transactions: [String: [Int]] = [:]
    private let projects: [String]
    /// How many events `events` will have been given seqs for (the ledger's seqs start at 1).
    private var count = 0

    init(seed: UInt64, projects: Int) {
        random = seed
        self.projects = (0..<projects).map { "LA-TEST-\($0)" }
    }

    private mutating func next(_ bound: Int) -> Int {
        random = random &* 6364136223846793005 &+ 1442695040888963407
        return Int((random >> 33) % UInt64(bound))
    }

    private mutating func add(_ stream: String, _ type: String, _ payload: JSONObject) {
        events.append(try! ProposedEvent(stream: stream, type: type, payload: payload))
        count += 1
    }

    private func money(_ amount: String, _ currency: String) -> JSONValue { ["amount": .string(amount), "currency": .string(currency)] }

    /// Adds one step of the scenario (one to three events).
    mutating func step() {
        let project = projects[next(projects.count)]
        let stream = "project:" + project
        guard proposed.contains(project) else {
            proposed.insert(project)
            add(stream, "ProjectProposed", ["projectId": .string(project), "plannedStartDate": "2023-01-01", "plannedEndDate": "2025-06-30"])
            return
        }
        let currencies = ["USD", "LAK", "EUR", "JPY"]
        let payees = ["Savan Drilling", "Vientiane Office Supply", "Mekong Builders", "Lao Consult"]
        let year = 2023 + next(3)
        let date = "\(year)-\(String(format: "%02d", 1 + next(12)))-\(String(format: "%02d", 1 + next(28)))"
        switch next(20) {
        case 0:
            let quote = ["LAK", "EUR", "JPY"][next(3)]
            let rate = quote == "LAK" ? "\(19_000 + next(3_000))" : quote == "EUR" ? "0.9\(next(10))" : "1\(40 + next(20)).5"
            add("fx:" + quote, "ExchangeRateRecorded", ["baseCurrency": "USD", "quoteCurrency": .string(quote), "rate": .string(rate)])
        case 1:
            let rules: [(String, String, Int64)] = [("disbursement-above-commitment", "toleranceBasisPoints", Int64(300 + next(900))),
                                                  ("round-amounts", "minimumTrailingZeros", Int64(3 + next(3))),
                                                  ("near-duplicate-payments", "windowDays", Int64(3 + next(10))),
                                                  ("payee-concentration", "minimumPayees", Int64(2 + next(3)))]
            let (rule, name, value) = rules[next(rules.count)]
            add(RuleSettings.stream, RuleSettings.eventType, ["ruleId": .string(rule), "parameters": [name: .integer(value)],
                                                              "reason": "test"])
        case 2:
            add(stream, "ProjectApproved", ["approvingAuthority": "MPI", "selfApproved": .bool(next(3) == 0)])
        case 3:
            add(stream, "AnnualBudgetPlanned", ["budgetLineId": .string("BL-\(next(3))"), "periodStart": .string("\(year)-01-01"),
                                                "periodEnd": .string("\(year)-12-31"), "amount": money("\(50_000 + next(50_000))", "USD")])
        case 4:
            add(stream, "AnnualBudgetRevised", ["budgetLineId": .string("BL-\(next(3))"), "periodStart": .string("\(year)-01-01"),
                                                "newAmount": money("\(40_000 + next(50_000))", "USD"),
                                                "previousAmount": money("50000", "USD")])
        case 5:
            add(stream, next(2) == 0 ? "BudgetPeriodLocked" : "BudgetReopenApproved",
                ["budgetLineId": .string("BL-\(next(3))"), "periodStart": .string("\(year)-01-01")])
        case 6:
            if let seqs = transactions[project], !seqs.isEmpty {
                add(stream, "TransactionReversed", ["reversedSeq": .integer(Int64(seqs[next(seqs.count)])), "reason": "error"])
            }
        case 7:
            add(stream, "CounterpartContributionRecorded", ["transactionId": "CP", "kind": .string(next(2) == 0 ? "planned" : "actual"),
                                                            "fiscalYear": .integer(Int64(year - 1)), "amount": money("\(1 + next(9))000000", "LAK")])
        case 8:
            add(stream, "ProjectDatesRevised", ["startDate": "2023-01-01", "endDate": .string("\(2024 + next(2))-12-31")])
        case 9:
            // A pair that a duplicate or near-duplicate rule should see.
            let amount = "\(1_000 + next(5_000)).\(next(10))0", payee = payees[next(payees.count)]
            for _ in 0..<2 {
                transactions[project, default: []].append(count + 1)
                add(stream, "ExpenditureRecorded", ["transactionId": "T", "date": .string(date), "payee": .string(payee),
                                                    "invoiceNumber": .string("INV-\(next(4))"), "amount": money(amount, "USD")])
            }
        case 10:
            // Splitting: three payments just under the 5,000,000 kip threshold.
            for _ in 0..<3 {
                transactions[project, default: []].append(count + 1)
                add(stream, "ExpenditureRecorded", ["transactionId": "T", "date": .string(date), "payee": "Mekong Builders",
                                                    "amount": money("\(4_700_000 + next(250_000))", "LAK")])
            }
        default:
            let types = ["CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "ExpenditureRecorded"]
            let currency = currencies[next(currencies.count)]
            let amount = next(6) == 0 ? "\(1 + next(9))0000" : "\(100 + next(90_000)).\(next(100))"
            transactions[project, default: []].append(count + 1)
            add(stream, types[next(types.count)], ["transactionId": "T", "date": .string(date), "payee": .string(payees[next(payees.count)]),
                                                   "invoiceNumber": .string("INV-\(next(50))"), "amount": money(amount, currency)])
        }
    }
}

/// The flag table kept on append equals one full evaluation over many small appends (across rate
/// changes and `RuleConfigured` events), whichever process appended, after restarts and rolled-back
/// appends, and equals a replay's rebuild.
final class IncrementalFlagTests: TemporaryDirectoryTestCase {
    private let actor = try! Actor(id: "user:somsack", role: "recorder")
    private var clock: ScenarioClock!

    override func setUpWithError() throws {
        try super.setUpWithError()
        clock = ScenarioClock("2023-02-06T01:00:00.000000Z")
    }

    private var path: String { directory.appendingPathComponent("ledger.sqlite").path }

    private func options() -> EventStore.Options {
        var options = EventStore.Options()
        options.durability = .normal
        let clock = self.clock!
        options.clock = { clock.now }
        return options
    }

    private func open(create: Bool = false) throws -> EventStore {
        let store = create ? try EventStore.create(at: path, options: options()) : try EventStore(openingAt: path, options: options())
        try store.register(FlagProjector())
        return store
    }

    /// Equal flag lists, or a failure naming only the flags that differ.
    private func assertSame(_ a: [Flag], _ b: [Flag], _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        guard a != b else { return }
        let onlyA = a.filter { !b.contains($0) }, onlyB = b.filter { !a.contains($0) }
        XCTFail("\(message) flags differ; only in the first: \(onlyA.map { "\($0.ruleId) \($0.subject.key) \($0.evidence) \($0.parameters) \(String(describing: $0.amount)) \($0.explanation)" }); only in the second: \(onlyB.map { "\($0.ruleId) \($0.subject.key) \($0.evidence) \($0.parameters) \(String(describing: $0.amount)) \($0.explanation)" })", file: file, line: line)
    }

    private func stored(_ store: EventStore) throws -> [Flag] {
        try store.withProjectionSnapshot { try FlagTable.all(in: $0) }
    }

    /// Appends `events` one at a time (with a batch now and then), moving the clock between them
    /// by 1 to 30 hours so some land at night, at weekends and months after their date.
    private func append(_ events: ArraySlice<ProposedEvent>, to stores: [EventStore], check: (Int) throws -> Void = { _ in }) throws {
        var i = events.startIndex, n = 0
        while i < events.endIndex {
            let size = n % 7 == 6 ? min(5, events.endIndex - i) : 1
            let store = stores[n % stores.count]
            _ = try store.append(Array(events[i..<(i + size)]), actor: actor)
            clock.advance(minutes: Int64(60 + (n * 997) % 4_000))
            i += size
            n += 1
            try check(n)
        }
    }

    func testManySmallAppendsEqualOneFullEvaluationAcrossRatesAndRuleChanges() throws {
        var scenario = MixedLedger(seed: 7, projects: 6)
        for _ in 0..<400 { scenario.step() }
        let store = try open(create: true)
        try append(scenario.events[...], to: [store]) { n in
            if n % 60 == 0 { self.assertSame(try self.stored(store), try FullEvaluation.flags(in: store), "after \(n) appends") }
        }
        let flags = try stored(store)
        assertSame(flags, try FullEvaluation.flags(in: store))
        // The scenario is only a test if it raises many kinds of flags, with settings in force.
        let rules = Set(flags.map(\.ruleId))
        XCTAssertGreaterThanOrEqual(rules.count, 12, "rules that fired: \(rules.sorted())")
        XCTAssertTrue(flags.contains { $0.ruleId == "disbursement-above-commitment" && $0.parameters["toleranceBasisPoints"] != 600 }
                      || flags.contains { $0.ruleId == "round-amounts" && $0.parameters["minimumTrailingZeros"] != 4 },
                      "some flag was judged with parameters set by a RuleConfigured event")
        XCTAssertTrue(flags.contains { $0.amountIsUSD && $0.amount?.currency == .usd && $0.ruleId == "splitting-below-procurement-threshold" })
    }

    func testSeveralProcessesAndRestartsFallBackToTheStoredState() throws {
        var scenario = MixedLedger(seed: 11, projects: 4)
        for _ in 0..<300 { scenario.step() }
        let events = scenario.events
        let first = try open(create: true)
        let second = try open()          // another process on the same file
        try append(events[..<150], to: [first, second, first])
        assertSame(try stored(first), try FullEvaluation.flags(in: first))
        // A restart: a new process, cold, reads the state tables; then both old processes go on.
        let third = try open()
        try append(events[150...], to: [third, first, third, second])
        assertSame(try stored(third), try FullEvaluation.flags(in: third))
    }

    /// A projector registered after the flags that refuses one event: the append rolls back after
    /// the flag projector has applied it, and its in-memory state must not outlive the rollback.
    func testARolledBackAppendLeavesNoTraceInTheNextOne() throws {
        struct Refusing: Projector {
            let name = "refusing"
            let tableNames: [String] = []
            func createTables(in database: ProjectionDatabase, prefix: String) throws {}
            func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
                if events.contains(where: { $0.envelope.payload["payee"] == "Refused Ltd" }) { throw CocoaError(.featureUnsupported) }
            }
        }
        var scenario = MixedLedger(seed: 3, projects: 2)
        for _ in 0..<80 { scenario.step() }
        let store = try open(create: true)
        try store.register(Refusing())
        try append(scenario.events[...], to: [store])
        let refused = try ProposedEvent(stream: "project:LA-TEST-0", type: "ExpenditureRecorded", payload: [
            "transactionId": "T", "date": "2024-03-01", "payee": "Refused Ltd", "amount": ["amount": "90000", "currency": "USD"]])
        XCTAssertThrowsError(try store.append([refused, refused], actor: actor))
        let other = MixedLedger(seed: 99, projects: 2)
        var more = other
        for _ in 0..<40 { more.step() }
        try append(more.events.filter { $0.type != "ProjectProposed" }[...], to: [store])
        assertSame(try stored(store), try FullEvaluation.flags(in: store))
        XCTAssertFalse(try stored(store).contains { $0.explanation.contains("Refused Ltd") })
    }

    func testAReplayRebuildsTheSameFlagsAndState() throws {
        var scenario = MixedLedger(seed: 5, projects: 5)
        for _ in 0..<250 { scenario.step() }
        let store = try open(create: true)
        try append(scenario.events[...], to: [store])
        let live = try stored(store)
        let liveDigest = try store.withProjectionSnapshot { try InspectionDigest.flags($0) }
        let rebuilt = try store.rebuild(FlagProjector(), swap: false) { db, prefix in
            (try FlagTable.all(in: db, prefix: prefix), try InspectionDigest.flags(db, prefix: prefix))
        }
        assertSame(rebuilt.result.0, live)
        XCTAssertEqual(rebuilt.result.1, liveDigest, "the state tables are rebuilt identically too")
        XCTAssertFalse(live.isEmpty)
        // After a swap the same process keeps appending on the rebuilt tables.
        _ = try store.rebuild(FlagProjector(), swap: true) { _, _ in () }
        var more = MixedLedger(seed: 6, projects: 5)
        for _ in 0..<60 { more.step() }
        try append(more.events.filter { $0.type != "ProjectProposed" }[...], to: [store])
        assertSame(try stored(store), try FullEvaluation.flags(in: store))
    }

    /// A ledger whose flags were kept before the state tables existed: registering drops its
    /// flags and catches up from seq 0, so the state tables are complete.
    func testALedgerWithoutStateTablesIsCaughtUpFromTheStart() throws {
        var scenario = MixedLedger(seed: 21, projects: 3)
        for _ in 0..<120 { scenario.step() }
        let store = try open(create: true)
        try append(scenario.events[..<100], to: [store])
        let connection = try Connection(path: path, mode: .readWrite)
        for table in FactTable.names { try connection.execute("DROP TABLE \(table)") }
        try connection.execute("INSERT INTO insp_flags SELECT 'stale', rule, version, severity, parameters, subject_kind, subject, project, amount, currency, amount_is_usd, score, evidence, explanation, last_seq FROM insp_flags LIMIT 1")
        let reopened = try open()
        XCTAssertFalse(try stored(reopened).contains { $0.id == "stale" })
        try append(scenario.events[100...], to: [reopened])
        assertSame(try stored(reopened), try FullEvaluation.flags(in: reopened))
    }

    /// Facts read back from their rows fold into the same history as the events they came from.
    func testFactsRoundTripThroughTheirRows() throws {
        var scenario = MixedLedger(seed: 17, projects: 1)
        for _ in 0..<150 { scenario.step() }
        let store = try open(create: true)
        try append(scenario.events[...], to: [store])
        let events = try store.events(EventQuery(stream: "project:LA-TEST-0")).map(\.envelope)
        let fromEvents = ProjectHistory(project: "LA-TEST-0", events: events, rates: RateBook())
        let fromRows = try XCTUnwrap(try store.withProjectionSnapshot { try FactTable.history(of: "LA-TEST-0", in: $0, prefix: "") })
        XCTAssertEqual(fromRows.history.transactions, fromEvents.transactions)
        XCTAssertEqual(fromRows.history.budgetEvents, fromEvents.budgetEvents)
        XCTAssertEqual(fromRows.history.lastSeq, fromEvents.lastSeq)
        XCTAssertEqual(fromRows.history.lastRecordedAt, fromEvents.lastRecordedAt)
        XCTAssertEqual(fromRows.history.approvals.map(\.seq), fromEvents.approvals.map(\.seq))
        XCTAssertGreaterThan(fromEvents.transactions.count, 50)
    }
}
