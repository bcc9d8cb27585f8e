import CanonicalJSON
import Crypto
import EventLog
import Inspection
import ODA

/// `oda-ledger flags`: the Department of Inspection's queue of red flags, `flags show ID` for one
/// flag with its evidence, and `flags --evaluate` to prove the stored flags equal a full
/// re-evaluation of the rules and to re-evaluate the population rules.
enum FlagsCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "flags",
        abstract: "List red flags, show one with its evidence, or re-evaluate every rule.",
        options: [
            dataOption,
            .init(name: "status", value: "S", help: "Only flags whose case is S: open, assigned, escalated, dismissed or closed."),
            .init(name: "rule", value: "R", help: "Only flags of rule R (see Schemas/rules.md)."),
            .init(name: "severity", value: "S", help: "Only flags of severity S: low, medium or high."),
            .init(name: "project", value: "ID", help: "Only flags raised on project ID."),
            .init(name: "province", value: "P", help: "Only flags of projects with an allocation to province P (e.g. LA-SV)."),
            .init(name: "partner", value: "O", help: "Only flags of projects of development partner O (organisation id)."),
            .init(name: "since", value: "DATE", help: "Only flags whose last evidence was recorded on or after DATE (YYYY-MM-DD, UTC)."),
            .init(name: "format", value: "table|json|csv", help: "table (default), json or csv."),
            .init(name: "digits", value: "1|2", help: "benford: the first digit (default) or the first two digits."),
            .init(name: "set", value: "NAME=VALUE,...", help: "configure: the rule parameters to set (integers, see Schemas/rules.md)."),
            .init(name: "reason", value: "TEXT", help: "configure: why the parameters change (required)."),
            .init(name: "actor", value: "ID", help: "configure, --evaluate: who records the event (default: local:<operating-system user>)."),
            .init(name: "evaluate", value: nil, help: "Evaluate every rule from scratch and compare with the stored flags (exit 1 on a difference), "
                + "then re-evaluate the population rules over the whole portfolio (recorded as PopulationRulesEvaluated)."),
        ],
        positionals: [
            .init(name: "show", help: "`show ID` shows one flag, its evidence events and whether their hashes verify; "
                + "`configure RULE --set NAME=VALUE --reason TEXT` records a RuleConfigured event; "
                + "`benford [--project ID] [--digits 1|2]` runs the Benford test on the payments.", optional: true),
            .init(name: "ID", help: "The flag id; with `configure`, the rule id.", optional: true),
        ])

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let format = try arguments.choice("format", command: spec.name, among: ["table", "json", "csv"], default: "table")
        if arguments.positionals.first == "configure" { return try configure(arguments, context) }
        if arguments.positionals.first == "benford" { return try benford(arguments, format: format, context) }
        if arguments.positionals.isEmpty && arguments.flag("evaluate") { return try evaluate(arguments, context) }
        let store = try context.openStore(arguments, access: .readWrite)
        try store.register(FlagProjector())
        try store.register(CaseProjector())
        try store.register(PopulationFlagProjector())
        let (stored, statuses) = try store.withProjectionSnapshot { db in (try FlagQueue.all(in: db), try CaseTable.statuses(in: db)) }
        switch arguments.positionals.first {
        case nil:
            try list(try filter(stored, statuses, arguments, store), statuses, format: format, context)
            return .success
        case "show":
            guard arguments.positionals.count == 2 else { throw UsageError(command: spec.name, message: "expected `flags show ID`") }
            return try show(arguments.positionals[1], stored, statuses, store, format: format, context)
        case let other?:
            throw UsageError(command: spec.name, message: "unknown action \(other); expected `flags` or `flags show ID`")
        }
    }

    private static func filter(_ flags: [Flag], _ statuses: [String: CaseStatus], _ arguments: ParsedArguments,
                               _ store: EventStore) throws -> [Flag] {
        var out = flags
        if let text = arguments["status"] {
            guard let status = CaseStatus(rawValue: text) else {
                throw UsageError(command: spec.name, message: "--status must be one of "
                    + CaseStatus.allCases.map(\.rawValue).joined(separator: ", ") + ", not \(text)")
            }
            out = out.filter { (statuses[$0.id] ?? .open) == status }
        }
        if let rule = arguments["rule"] {
            guard RuleCatalogue.ids.contains(rule) else {
                throw UsageError(command: spec.name, message: "unknown rule \(rule); rules: " + RuleCatalogue.ids.joined(separator: ", "))
            }
            out = out.filter { $0.ruleId == rule }
        }
        if let text = arguments["severity"] {
            guard let severity = Severity(rawValue: text) else {
                throw UsageError(command: spec.name, message: "--severity must be low, medium or high, not \(text)")
            }
            out = out.filter { $0.severity == severity }
        }
        if arguments["project"] != nil || arguments["province"] != nil || arguments["partner"] != nil {
            // A subject rule's flag concerns its project; a population rule's flag the projects of its evidence.
            var projectsOf: [String: Set<String>] = [:]
            for flag in out { projectsOf[flag.id] = try projects(of: flag, store) }
            if let project = arguments["project"] { out = out.filter { projectsOf[$0.id]!.contains(project) } }
            var snapshots: [String: ProjectSnapshot?] = [:]
            for project in Set(out.flatMap { projectsOf[$0.id]! }) { snapshots[project] = try store.projectSnapshot(project) }
            if let province = arguments["province"] {
                out = out.filter { projectsOf[$0.id]!.contains { snapshots[$0]??.provinces.contains { $0.code == province } ?? false } }
            }
            if let partner = arguments["partner"] {
                out = out.filter { projectsOf[$0.id]!.contains { snapshots[$0]??.partner == partner } }
            }
        }
        if let text = arguments["since"] {
            guard CalendarDate(text) != nil, let start = Timestamp.parse(text + "T00:00:00.000000Z") else {
                throw UsageError(command: spec.name, message: "--since must be a date YYYY-MM-DD, not \(text)")
            }
            let before = try store.lastSeq(recordedBefore: start)
            out = out.filter { ($0.evidence.last ?? 0) > before }
        }
        return out.sorted { ($0.severity, $0.score, $1.id) > ($1.severity, $1.score, $0.id) }
    }

    /// The projects a flag concerns: its own, or for a portfolio-wide flag the projects whose
    /// events are its evidence.
    private static func projects(of flag: Flag, _ store: EventStore) throws -> Set<String> {
        guard flag.subject.isPortfolioWide else { return [flag.subject.project] }
        var out: Set<String> = flag.subject.kind == .project ? [flag.subject.name] : []
        for seq in flag.evidence {
            if let stream = try store.event(at: seq)?.envelope.stream, stream.hasPrefix("project:") {
                out.insert(String(stream.dropFirst("project:".count)))
            }
        }
        return out
    }

    /// How a subject reads in the table: "project P1", "payee X in P1", "payee X (portfolio)".
    private static func subjectText(_ subject: Subject) -> String {
        if subject.isPortfolioWide { return "\(subject.kind.rawValue) \(subject.name) (portfolio)" }
        return subject.kind == .project ? "project \(subject.project)" : "\(subject.kind.rawValue) \(subject.name) in \(subject.project)"
    }

    private static func list(_ flags: [Flag], _ statuses: [String: CaseStatus], format: String, _ context: CommandContext) throws {
        let console = context.console
        switch format {
        case "json":
            console.print(JSONValue.array(flags.map { json($0, statuses) }).canonicalString)
        case "csv":
            console.print("id,status,rule,version,severity,score,subject_kind,subject,project,amount,currency,usd_equivalent,evidence,explanation")
            for f in flags {
                console.print([f.id, (statuses[f.id] ?? .open).rawValue, f.ruleId, String(f.ruleVersion), f.severity.rawValue, String(f.score), f.subject.kind.rawValue,
                               f.subject.name, f.subject.project, f.amount?.canonicalText ?? "", f.amount?.currency.code ?? "",
                               f.amountIsUSD ? "yes" : "no", f.evidence.map(String.init).joined(separator: " "), f.explanation]
                    .map(CSV.field).joined(separator: ","))
            }
        default:
            console.print("\(flags.count) flag(s)")
            for f in flags {
                console.print("\(f.id)  \((statuses[f.id] ?? .open).rawValue.padding(9))  \(f.severity.rawValue.padding(6))  \(String(f.score).padding(3))  \(f.ruleId)  "
                    + "\(subjectText(f.subject))  "
                    + "\(f.amount?.description ?? "-")\(f.amount != nil && !f.amountIsUSD ? " (no USD rate)" : "")")
                console.print("    \(f.explanation)")
            }
        }
    }

    private static func show(_ id: String, _ flags: [Flag], _ statuses: [String: CaseStatus], _ store: EventStore, format: String,
                             _ context: CommandContext) throws -> ExitCode {
        guard let flag = flags.first(where: { $0.id == id }) else {
            throw CommandFailure("no flag \(id); list them with `oda-ledger flags`")
        }
        var verified = true
        var evidence: [(RecordedEvent, Bool)] = []
        for seq in flag.evidence {
            guard let event = try store.event(at: seq) else { throw CommandFailure("evidence event \(seq) of flag \(id) is missing") }
            let ok = SHA256.hash(event.canonicalBytes) == event.hash
            verified = verified && ok
            evidence.append((event, ok))
        }
        if format == "json" {
            guard case var .object(object) = json(flag, statuses) else { preconditionFailure("a flag is an object") }
            object["evidenceEvents"] = .array(evidence.map { event, ok in
                ["event": event.exportJSON, "hashVerifies": .bool(ok)] })
            context.console.print(JSONValue.object(object).canonicalString)
        } else {
            let console = context.console
            console.print("flag        \(flag.id)")
            console.print("rule        \(flag.ruleId) v\(flag.ruleVersion)  (\(flag.parametersText.isEmpty ? "no parameters" : flag.parametersText))")
            console.print("status      \((statuses[flag.id] ?? .open).rawValue)")
            console.print("severity    \(flag.severity.rawValue), score \(flag.score)")
            console.print("subject     \(flag.subject.isPortfolioWide ? subjectText(flag.subject) : "\(flag.subject.kind.rawValue) \(flag.subject.name) in project \(flag.subject.project)")")
            console.print("amount      \(flag.amount?.description ?? "-")\(flag.amount == nil ? "" : flag.amountIsUSD ? " (USD equivalent)" : " (original currency: no USD rate recorded)")")
            console.print("why         \(flag.explanation)")
            console.print("evidence")
            for (event, ok) in evidence {
                console.print("  \(event.seq)  \(event.envelope.recordedAt)  \(event.envelope.actor.id)  \(event.envelope.type)  "
                    + "hash \(ok ? "verifies" : "DOES NOT VERIFY")")
            }
        }
        return verified ? .success : .integrityFinding
    }

    /// `flags configure RULE --set NAME=VALUE,... --reason TEXT`: a `RuleConfigured` event.
    private static func configure(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard arguments.positionals.count == 2 else { throw UsageError(command: spec.name, message: "expected `flags configure RULE`") }
        guard let set = arguments["set"] else { throw UsageError(command: spec.name, message: "configure needs --set NAME=VALUE,...") }
        var parameters: [String: Int64] = [:]
        for pair in set.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int64(parts[1]) else {
                throw UsageError(command: spec.name, message: "--set takes NAME=INTEGER pairs separated by commas, not \(pair)")
            }
            parameters[String(parts[0])] = value
        }
        let actor = try Actor(id: arguments["actor"] ?? AppendCommand.defaultActorID())
        let store = try context.openStoreForAppending(arguments)
        do {
            let seq = try store.configureRule(arguments.positionals[1], parameters: parameters, reason: arguments["reason"] ?? "",
                                              actor: actor)
            context.console.print("rule \(arguments.positionals[1]) configured at seq \(seq); projects are judged with it from their next event")
            return .success
        } catch let error as RuleConfigurationError {
            throw CommandFailure("\(error); nothing was recorded")
        }
    }

    /// `flags benford [--project ID]`: the population test on demand, over live payment amounts.
    private static func benford(_ arguments: ParsedArguments, format: String, _ context: CommandContext) throws -> ExitCode {
        guard arguments.positionals.count == 1 else { throw UsageError(command: spec.name, message: "expected `flags benford`") }
        let store = try context.openStore(arguments, access: .readOnly)
        let amounts = try BenfordTest.paymentAmounts(in: store, project: arguments["project"])
        let kinds = try arguments.choice("digits", command: spec.name, among: ["1", "2"], default: "1")
        let test = BenfordTest(kinds == "1" ? .firstDigit : .firstTwoDigits)
        let result = test.test(amounts)
        let scope = arguments["project"].map { "project \($0)" } ?? "all projects"
        let mad = String(Int((result.mad * 1_000_000).rounded())).leftPadded(7)
        if format == "json" {
            context.console.print(JSONValue.object([
                "rule": .string(test.kind.rawValue), "ruleVersion": .integer(Int64(BenfordTest.version)),
                "scope": .string(scope), "count": .integer(Int64(result.count)),
                "observed": .array(result.observed.map { .integer(Int64($0)) }),
                "madMillionths": .integer(Int64((result.mad * 1_000_000).rounded())), "verdict": .string(result.verdict.rawValue),
                "minimumSample": .integer(Int64(test.minimumSample)),
            ]).canonicalString)
            return .success
        }
        let limits = test.kind.limits
        context.console.print("\(test.kind.rawValue) over \(result.count) payment amount(s) of \(scope) (amounts of at least 10)")
        context.console.print("digits  observed  expected")
        for d in test.kind.range {
            let observed = result.count == 0 ? 0 : Double(result.observed[d - test.kind.range.lowerBound]) / Double(result.count)
            context.console.print("  \(String(d).padding(2))    \(percent(observed))    \(percent(BenfordTest.expected(d)))")
        }
        context.console.print("MAD \(mad.trimmingPrefixSpaces) millionths (limits \(millionths(limits.close)) / \(millionths(limits.acceptable)) / "
            + "\(millionths(limits.marginal))): \(result.verdict.rawValue)"
            + (result.verdict == .insufficientSample ? " (fewer than \(test.minimumSample) amounts)" : ""))
        return .success
    }

    private static func millionths(_ x: Double) -> Int { Int((x * 1_000_000).rounded()) }

    private static func percent(_ x: Double) -> String {
        let tenths = Int((x * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10) %".leftPadded(7)
    }

    /// A flag's JSON with its case status.
    private static func json(_ flag: Flag, _ statuses: [String: CaseStatus]) -> JSONValue {
        guard case var .object(object) = flag.jsonValue else { return flag.jsonValue }
        object["status"] = .string((statuses[flag.id] ?? .open).rawValue)
        return .object(object)
    }

    /// `flags --evaluate`: the subject flags must equal a full evaluation, and the portfolio-wide
    /// flags a re-evaluation of the population rules at the latest recorded evaluation; then the
    /// population rules are evaluated afresh (recorded, unless nothing changed since the last time).
    private static func evaluate(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let actor = try Actor(id: arguments["actor"] ?? AppendCommand.defaultActorID())
        let store = try context.openStoreForAppending(arguments)
        let stored = try store.withProjectionSnapshot { try FlagQueue.all(in: $0) }
        let subjectFlags = try FullEvaluation.flags(in: store)
        let latest = try store.latestPopulationEvaluation()
        let populationFlags = try latest.map { try PopulationEvaluation().flags(in: store, throughSeq: $0 - 1) } ?? []
        let populationDifferences = compare(stored.filter(\.subject.isPortfolioWide), populationFlags, context)
        let differences = compare(stored.filter { !$0.subject.isPortfolioWide }, subjectFlags, context) + populationDifferences
        if populationDifferences > 0 {
            // The population flags are derived from the recorded evaluations: rebuild them from the events.
            _ = try store.rebuild(PopulationFlagProjector(), swap: true) { _, _ in }
            context.console.error("the population flags differed from a re-evaluation; rebuilt from the events")
        }
        if differences == 0 {
            context.console.print("\(subjectFlags.count) subject flag(s); a full evaluation of every subject rule equals the stored flags")
            context.console.print("\(populationFlags.count) population flag(s)"
                + (latest.map { "; a re-evaluation at seq \($0) equals the stored flags" } ?? "; the population rules were never evaluated"))
        }
        if let seq = try store.evaluatePopulationRules(trigger: .onDemand, actor: actor) {
            let now = try store.withProjectionSnapshot { try PopulationFlagTable.all(in: $0) }
            context.console.print("population rules evaluated at seq \(seq): \(now.count) flag(s)")
        } else {
            context.console.print("population rules already evaluated at the head (seq \(latest ?? 0)); nothing recorded")
        }
        return differences == 0 ? .success : .integrityFinding
    }

    /// Prints one line per flag that differs; returns how many.
    private static func compare(_ stored: [Flag], _ full: [Flag], _ context: CommandContext) -> Int {
        guard stored != full else { return 0 }
        let storedByID = Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0) })
        let fullByID = Dictionary(uniqueKeysWithValues: full.map { ($0.id, $0) })
        var count = 0
        for id in Set(storedByID.keys).union(fullByID.keys).sorted() where storedByID[id] != fullByID[id] {
            let what = storedByID[id] == nil ? "missing from the stored flags" : fullByID[id] == nil ? "stored but not raised by the rules" : "differs"
            context.console.error("flag \(id): \(what)")
            count += 1
        }
        return count
    }
}

private extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
    var trimmingPrefixSpaces: String { String(drop { $0 == " " }) }
}
