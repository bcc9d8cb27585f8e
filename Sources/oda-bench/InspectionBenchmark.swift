import CanonicalJSON
import EventLog
import Foundation
import Inspection
import ODA

/// `oda-bench inspection`: what the red-flag rules cost, printed as one JSON object.
///
///   swift run -c release oda-bench inspection [--runs N] [--events N] [--history N] [--appends N] [--only full|appends] [--save PATH]
///
/// - Full evaluation: every subject rule over a synthetic portfolio of `--events` catalogue events
///   (default 200,000: 400 projects of 500 events, interleaved as a real ledger would hold them,
///   in USD, LAK, EUR and JPY with monthly rates), read from the ledger file and judged from scratch;
///   also the same judged from events already decoded in memory. The full evaluation is run once
///   more per run in a fresh child process over the same file, whose peak resident memory
///   (`full_evaluation_peak_mib`, from the kernel's VmHWM) is the evaluation's alone: this
///   process holds the generated events and their decoded envelopes besides.
/// - Incremental cost: `--appends` single-event durable appends (synchronous=FULL, one commit
///   each) to projects that already hold `--history` events, with the ODA projection only and
///   with the inspection projectors added. "warm" is one process appending (the service);
///   "cold" is two processes taking turns, so each append finds its cache stale and reads the
///   project's state from the tables (what every CLI append does). The same again with
///   synchronous=NORMAL shows the share without the fsync that dominates a durable commit.
///
/// Full evaluation and appends are also reported in this process's CPU time (`_cpu_` keys), the
/// figure to compare on a loaded machine. Every figure is the median of `--runs` runs (default 3).
/// `--only full` measures the full evaluation alone, `--only appends` the append path alone (for
/// profiling either); the figures that matter come from a whole run. `--save PATH` keeps a copy of
/// the portfolio ledger, so that the child mode (`ODA_BENCH_FULL_EVALUATION=PATH oda-bench
/// inspection`) can be profiled on it alone, e.g. under callgrind or `perf record`, without
/// generating and appending the portfolio again.
enum InspectionBenchmark {
    /// The environment variable that makes this executable the child measuring a full evaluation
    /// of the ledger file it names.
    static let childVariable = "ODA_BENCH_FULL_EVALUATION"

    struct Options {
        var runs = 3
        var events = 200_000
        var eventsPerProject = 500
        var history = 300
        var appendProjects = 40
        var appends = 400
        var fullOnly = false
        var appendsOnly = false
        /// Where to keep a copy of the last run's portfolio ledger (for profiling the child mode on it).
        var savePath: String?
    }

    static func main(_ arguments: [String]) throws {
        if let path = ProcessInfo.processInfo.environment[childVariable] { try measureChild(path) }
        var options = Options()
        var args = arguments[...]
        while let flag = args.popFirst() {
            if flag == "--only" {
                switch args.popFirst() {
                case "full": options.fullOnly = true
                case "appends": options.appendsOnly = true
                default: usage()
                }
                continue
            }
            if flag == "--save" {
                guard let path = args.popFirst() else { usage() }
                options.savePath = path
                continue
            }
            guard let value = args.popFirst().flatMap(Int.init), value > 0 else { usage() }
            switch flag {
            case "--runs": options.runs = value
            case "--events": options.events = value
            case "--history": options.history = value
            case "--appends": options.appends = value
            default: usage()
            }
        }
        let clock = ContinuousClock()
        var samples: [String: [Double]] = [:]
        var facts: JSONObject = [:]
        for _ in 0..<options.runs {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oda-bench-insp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            if options.appendsOnly {
                try measureAppends(options, in: dir, into: &samples)
                continue
            }

            // Full evaluation over the portfolio.
            let portfolio = SyntheticPortfolio(projects: max(1, options.events / options.eventsPerProject),
                                               eventsPerProject: options.eventsPerProject)
            let events = portfolio.events(count: options.events)
            let store = try EventStore.create(at: dir.appendingPathComponent("portfolio.sqlite").path, options: portfolio.storeOptions(.normal))
            for start in stride(from: 0, to: events.count, by: 5_000) {
                _ = try store.append(Array(events[start..<min(start + 5_000, events.count)]), actor: portfolio.actor)
            }
            if let savePath = options.savePath {
                for suffix in ["", "-wal", "-shm"] {
                    try? FileManager.default.removeItem(atPath: savePath + suffix)
                    try? FileManager.default.copyItem(atPath: dir.appendingPathComponent("portfolio.sqlite").path + suffix, toPath: savePath + suffix)
                }
            }
            var flags: [Flag] = []
            let fullCPU = processCPUSeconds()
            let full = clock.measure { flags = try! FullEvaluation.flags(in: store) }
            samples["full_evaluation_events_per_s", default: []].append(Double(events.count) / seconds(full))
            samples["full_evaluation_events_per_cpu_s", default: []].append(Double(events.count) / (processCPUSeconds() - fullCPU))
            let child = try childEvaluation(dir.appendingPathComponent("portfolio.sqlite").path)
            precondition(child.flags == flags.count, "the child's full evaluation found \(child.flags) flags, this process \(flags.count)")
            samples["full_evaluation_peak_mib", default: []].append(child.peakKiB / 1024)
            samples["full_evaluation_child_events_per_cpu_s", default: []].append(Double(events.count) / child.cpuSeconds)
            facts["portfolio_events"] = .integer(Int64(events.count))
            facts["portfolio_projects"] = .integer(Int64(portfolio.projects))
            facts["portfolio_flags"] = .integer(Int64(flags.count))
            facts["portfolio_rules_fired"] = .integer(Int64(Set(flags.map(\.ruleId)).count))
            if options.fullOnly { continue }
            var envelopes: [EventEnvelope] = []
            envelopes.reserveCapacity(events.count)
            try store.read(EventQuery()) { envelopes.append($0.envelope); return true }
            let inMemory = clock.measure { flags = FullEvaluation.flags(of: envelopes) }
            samples["full_evaluation_decoded_events_per_s", default: []].append(Double(events.count) / seconds(inMemory))
            // Where the rules' time goes: each rule over every project's history, in microseconds per project.
            var histories: [String: [EventEnvelope]] = [:]
            var book = RateBook()
            for e in envelopes {
                if e.stream.hasPrefix("project:") { histories[e.stream, default: []].append(e) } else { book.record(e) }
            }
            let built = histories.map { ProjectHistory(project: $0.key, events: $0.value, rates: book) }
            for rule in RuleCatalogue.subjectRules {
                var hits = 0
                let d = clock.measure { for h in built { hits &+= rule.evaluate(h, parameters: rule.defaultParameters).count } }
                samples["rule_us_per_project_\(rule.id)", default: []].append(seconds(d) * 1e6 / Double(built.count))
            }

            try measureAppends(options, in: dir, into: &samples)
        }
        var result = JSONObject()
        result["runs"] = .integer(Int64(options.runs))
        result["history_events_per_project"] = .integer(Int64(options.history))
        result["append_projects"] = .integer(Int64(options.appendProjects))
        result["appends_measured"] = .integer(Int64(options.appends))
        for (key, value) in facts { result[key] = value }
        var lists = JSONObject()
        for key in samples.keys.sorted() {
            let values = samples[key]!
            let format = key.hasSuffix("_per_s") || key.hasPrefix("rule_us") ? "%.0f" : key.hasPrefix("append_ms") || key.hasPrefix("append_cpu_ms") ? "%.3f" : "%.1f"
            result[key] = .string(String(format: format, median(values)))
            lists[key] = .array(values.map { .string(String(format: format, $0)) })
        }
        result["samples"] = .object(lists)
        print(JSONValue.object(result).canonicalString)
    }

    /// The append path: single-event appends with and without the inspection projectors (see the
    /// type's documentation), at both durabilities; adds its figures to `samples`.
    private static func measureAppends(_ options: Options, in dir: URL, into samples: inout [String: [Double]]) throws {
        let clock = ContinuousClock()
        for durability in [EventStore.Options.Durability.full, .normal] {
            var times: [String: Double] = [:], cpu: [String: Double] = [:]
            for (label, inspection, processes) in [("base", false, 1), ("warm", true, 1), ("base_two", false, 2), ("cold", true, 2)] {
                let path = dir.appendingPathComponent("append-\(label)-\(durability.rawValue).sqlite").path
                let history = SyntheticPortfolio(projects: options.appendProjects, eventsPerProject: options.history + options.appends)
                let all = history.events(count: options.appendProjects * options.history + options.appends)
                let setup = all.prefix(options.appendProjects * options.history)
                let measured = Array(all.dropFirst(setup.count))
                let first = try EventStore.create(at: path, options: history.storeOptions(durability))
                var stores = [first]
                for _ in 1..<processes { stores.append(try EventStore(openingAt: path, options: history.storeOptions(durability))) }
                for s in stores {
                    try s.register(ProjectStateProjector())
                    if inspection {
                        try s.register(FlagProjector())
                        try s.register(CaseProjector())
                    }
                }
                for start in stride(from: setup.startIndex, to: setup.endIndex, by: 2_000) {
                    _ = try first.append(Array(setup[start..<min(start + 2_000, setup.endIndex)]), actor: history.actor)
                }
                let cpuStart = processCPUSeconds()
                let d = clock.measure {
                    for (i, e) in measured.enumerated() { _ = try! stores[i % stores.count].append([e], actor: history.actor) }
                }
                cpu[label] = (processCPUSeconds() - cpuStart) / Double(measured.count)
                times[label] = seconds(d) / Double(measured.count)
                if inspection {
                    let stored = try first.withProjectionSnapshot { try FlagTable.all(in: $0) }
                    let evaluated = try FullEvaluation.flags(in: first)
                    precondition(stored == evaluated, "incremental flags differ from a full evaluation")
                }
            }
            let suffix = durability == .full ? "" : "_normal_sync"
            samples["append_ms_base\(suffix)", default: []].append(times["base"]! * 1000)
            samples["append_ms_with_flags_warm\(suffix)", default: []].append(times["warm"]! * 1000)
            samples["append_ms_with_flags_cold\(suffix)", default: []].append(times["cold"]! * 1000)
            samples["flags_added_to_append_warm_percent\(suffix)", default: []].append(100 * (times["warm"]! / times["base"]! - 1))
            samples["flags_added_to_append_cold_percent\(suffix)", default: []].append(100 * (times["cold"]! / times["base_two"]! - 1))
            samples["flags_share_of_append_warm_percent\(suffix)", default: []].append(100 * (1 - times["base"]! / times["warm"]!))
            samples["flags_share_of_append_cold_percent\(suffix)", default: []].append(100 * (1 - times["base_two"]! / times["cold"]!))
            // The same in this process's CPU time, which other load on a shared machine disturbs
            // less (the wait for fsync is not CPU time, so these shares are larger than the wall-clock ones).
            samples["append_cpu_ms_base\(suffix)", default: []].append(cpu["base"]! * 1000)
            samples["append_cpu_ms_with_flags_warm\(suffix)", default: []].append(cpu["warm"]! * 1000)
            samples["append_cpu_ms_with_flags_cold\(suffix)", default: []].append(cpu["cold"]! * 1000)
            samples["flags_added_to_append_cpu_warm_percent\(suffix)", default: []].append(100 * (cpu["warm"]! / cpu["base"]! - 1))
            samples["flags_added_to_append_cpu_cold_percent\(suffix)", default: []].append(100 * (cpu["cold"]! / cpu["base_two"]! - 1))
        }
    }

    /// Child mode: a full evaluation of the ledger at `path` from a freshly started process; prints
    /// the flag count, CPU seconds and peak resident memory in KiB, and exits.
    private static func measureChild(_ path: String) throws -> Never {
        let store = try EventStore(openingAt: path, access: .readOnly)
        let cpuStart = processCPUSeconds()
        let flags = try FullEvaluation.flags(in: store)
        let cpu = processCPUSeconds() - cpuStart
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let hwm = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?
            .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0"
        print("\(flags.count) \(cpu) \(hwm)")
        exit(0)
    }

    /// Runs the child mode over `path` and reads what it printed.
    private static func childEvaluation(_ path: String) throws -> (flags: Int, cpuSeconds: Double, peakKiB: Double) {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["inspection"]
        child.environment = [childVariable: path]
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard let fields = String(data: data, encoding: .utf8)?.split(whereSeparator: \.isWhitespace), fields.count == 3,
              let flags = Int(fields[0]), let cpu = Double(fields[1]), let kib = Double(fields[2]) else {
            fatalError("the full evaluation child printed nothing readable (status \(child.terminationStatus))")
        }
        return (flags, cpu, kib)
    }

    private static func usage() -> Never {
        FileHandle.standardError.write(Data("usage: oda-bench inspection [--runs N] [--events N] [--history N] [--appends N] [--only full|appends] [--save PATH]\n".utf8))
        exit(2)
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// A synthetic Lao ODA portfolio in catalogue form: projects proposed and approved, annual
/// budgets on three lines for three years, commitments, disbursements, expenditures to a set of
/// Lao suppliers with invoice numbers (mostly LAK and USD, some EUR and JPY), counterpart
/// contributions, an occasional budget revision and reversal, and a rate per currency each
/// simulated month. Events of all projects are interleaved, one every few working minutes.
struct SyntheticPortfolio {
    let projects: Int
    let eventsPerProject: Int
    let actor = try! Actor(id: "user:bench", role: "recorder", unit: "LA-VT")

    private static let payees = [
        "Savan Drilling Co., Ltd.", "Vientiane Office Supply", "Mekong Builders", "Lao Consult Group", "Champasak Transport",
        "Luang Prabang Printing", "Phongsaly Timber", "Xieng Khouang Engineering", "Khammouane Cement", "Attapeu Agro",
        "Sekong Water Works", "Bokeo Logistics", "Houaphanh Health Supply", "Oudomxay Roads", "Salavan Electric",
        "Vientiane IT Services", "Lao Survey and Design", "Pakse Hardware", "Thakhek Fuel", "Xayaboury Catering",
    ]
    private static let partners = ["XM-DAC-41114", "XM-DAC-46004", "JP-JICA", "DE-1", "AU-5", "XI-IATI-EC_DEVCO"]
    private static let currencies = ["LAK", "USD", "LAK", "USD", "EUR", "JPY"]

    /// Recording starts Monday 2023-01-02 08:00 in Vientiane and moves three minutes per event.
    private static let start = Timestamp.parse("2023-01-02T01:00:00.000000Z")!.microsecondsSinceEpoch

    func storeOptions(_ durability: EventStore.Options.Durability) -> EventStore.Options {
        var options = EventStore.Options()
        options.durability = durability
        let counter = RecordingClock()
        options.clock = { counter.next() }
        return options
    }

    /// The first `count` events of the portfolio, in ledger order.
    func events(count: Int) -> [ProposedEvent] {
        var out: [ProposedEvent] = []
        out.reserveCapacity(count)
        var lastTransaction: [Int: Int] = [:]
        var round = 0
        while out.count < count {
            for project in 0..<projects where out.count < count {
                if out.count % 1_000 == 999 { out.append(rate(out.count)) }
                guard out.count < count else { break }
                let seq = out.count + 1
                let (event, isTransaction) = event(project: project, round: round, seq: seq, lastTransaction: lastTransaction[project])
                if isTransaction { lastTransaction[project] = seq }
                out.append(event)
            }
            round += 1
        }
        return out
    }

    private func rate(_ index: Int) -> ProposedEvent {
        let quote = ["LAK", "EUR", "JPY"][(index / 1_000) % 3]
        let month = index / 3_000
        let value = quote == "LAK" ? "\(19_500 + (month * 37) % 2_000).50" : quote == "EUR" ? "0.9\(month % 10)" : "1\(35 + month % 15).2"
        return try! ProposedEvent(stream: "fx:" + quote, type: "ExchangeRateRecorded", payload: [
            "baseCurrency": "USD", "quoteCurrency": .string(quote), "rate": .string(value),
            "effectiveDate": .string(date(index, back: 0)), "source": "Bank of the Lao PDR reference rate",
        ])
    }

    /// The business date of the event at `index`, `back` days before it is recorded.
    private func date(_ index: Int, back: Int) -> String {
        let micros = Self.start + Int64(index) * 180_000_000
        let d = CivilDate.fromDaysSinceEpoch(micros / 86_400_000_000 - Int64(back))
        return String(format: "%04d-%02d-%02d", Int(d.year), Int(d.month), Int(d.day))
    }

    private func event(project: Int, round r: Int, seq: Int, lastTransaction: Int?) -> (ProposedEvent, Bool) {
        let id = String(format: "LA-MPI-2023-%04d", project)
        let stream = "project:" + id
        let h = (project &* 2_654_435_761 &+ r &* 40_503) & 0x7fff_ffff
        func money(_ amount: String, _ currency: String) -> JSONValue { ["amount": .string(amount), "currency": .string(currency)] }
        func make(_ type: String, _ payload: JSONObject) -> ProposedEvent { try! ProposedEvent(stream: stream, type: type, payload: payload) }
        switch r {
        case 0:
            return (make("ProjectProposed", [
                "projectId": .string(id), "title": "Rural water supply and sanitation", "developmentPartner": .string(Self.partners[project % Self.partners.count]),
                "implementingAgency": "LA-MPWT", "plannedStartDate": "2023-01-01", "plannedEndDate": "2027-12-31",
                "estimatedCost": money("\(2_000_000 + (h % 40) * 250_000).00", "USD"), "sectorWorkingGroup": "infrastructure",
            ]), false)
        case 1:
            return (make("ProjectApproved", ["approvingAuthority": "MPI", "approvalReference": .string("MPI/DIC/2023/\(project)"),
                                             "approvalDate": .string(date(seq, back: 1))]), false)
        case 2...10:
            let year = 2023 + (r - 2) / 3
            return (make("AnnualBudgetPlanned", [
                "budgetLineId": .string("BL-\((r - 2) % 3 + 1)"), "periodStart": .string("\(year)-01-01"), "periodEnd": .string("\(year)-12-31"),
                "amount": money("\(400_000 + (h % 20) * 25_000).00", "USD"), "description": "Wells, pipes and hand pumps",
            ]), false)
        case 11, 12:
            return (make("CommitmentRecorded", [
                "transactionId": .string("C-\(project)-\(r)"), "date": .string(date(seq, back: 2)),
                "amount": money("\(1_500_000 + (h % 10) * 100_000).00", "USD"), "provider": .string(Self.partners[project % Self.partners.count]),
                "agreementId": .string("GA-\(project)"),
            ]), true)
        default:
            if r % 60 == 0 {
                let year = 2023 + (r / 60) % 3
                return (make("AnnualBudgetRevised", [
                    "budgetLineId": .string("BL-\(r % 3 + 1)"), "periodStart": .string("\(year)-01-01"),
                    "newAmount": money("\(420_000 + (h % 20) * 20_000).00", "USD"), "previousAmount": money("400000.00", "USD"),
                    "decisionRef": .string("MPI/DIC/\(year)/\(r)"), "reason": "Mid-year review",
                ]), false)
            }
            if r % 97 == 0, let reversed = lastTransaction {
                return (make("TransactionReversed", ["reversedSeq": .integer(Int64(reversed)), "reason": "Recorded against the wrong project"]), false)
            }
            if r % 45 == 0 {
                return (make("CounterpartContributionRecorded", [
                    "transactionId": .string("CP-\(project)-\(r)"), "kind": .string(r % 90 == 0 ? "planned" : "actual"),
                    "fiscalYear": .integer(Int64(2023 + (r / 90) % 2)), "amount": money("\(300 + h % 400)000000", "LAK"),
                    "inKind": .bool(h % 2 == 0), "description": "Office space and staff time",
                ]), true)
            }
            if r % 12 == 0 {
                return (make("DisbursementRecorded", [
                    "transactionId": .string("D-\(project)-\(r)"), "date": .string(date(seq, back: 3)),
                    "amount": money("\(20_000 + (h % 500) * 100).00", "USD"), "provider": .string(Self.partners[project % Self.partners.count]),
                    "receiver": "LA-MPWT", "reference": .string("PAY-\(project)-\(r)"),
                ]), true)
            }
            let currency = Self.currencies[h % Self.currencies.count]
            let amount = currency == "LAK" ? "\(150_000 + (h % 90_000) * 1_370)" : currency == "JPY" ? "\(12_000 + h % 900_000)"
                : "\(80 + h % 40_000).\(String(format: "%02d", h % 100))"
            return (make("ExpenditureRecorded", [
                "transactionId": .string("E-\(project)-\(r)"), "date": .string(date(seq, back: h % 6)),
                "amount": money(amount, currency), "payee": .string(Self.payees[(h / 7) % Self.payees.count]),
                "invoiceNumber": .string("INV-\(project)-\(r)"), "approvedBy": "user:khamla",
            ]), true)
        }
    }
}

/// Hands out recording times three minutes apart, from Monday 2023-01-02 08:00 Vientiane time.
final class RecordingClock: @unchecked Sendable {
    private let lock = NSLock()
    private var micros = Timestamp.parse("2023-01-02T01:00:00.000000Z")!.microsecondsSinceEpoch

    func next() -> Timestamp {
        lock.withLock {
            micros += 180_000_000
            return Timestamp(microsecondsSinceEpoch: micros)
        }
    }
}
