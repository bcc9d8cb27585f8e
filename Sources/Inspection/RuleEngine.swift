import EventLog
import ODA

/// Runs the rules over one project's history and turns hits into flags, merging repeated hits on
/// one subject. The single evaluation path shared by the projector (on append) and full
/// evaluation, which is what makes their flags identical.
///
/// Two ways in, one result: `flags(for:)` judges a whole project; `update(_:with:newFacts:)`
/// brings the flags of a project judged before up to date after some new events, re-running a
/// rule only where its declared `RuleInputs` say the new facts can have changed something, and
/// for a rule separable by payee or user only on the subjects the new facts touch (for a payee
/// rule that can tell so, `PayeeChangeTest`, only on those they may change); a rule that
/// keeps a running judgement (`RunningRule`) folds the new facts into it instead of re-running
/// `evaluate`, which stays the reference `flags(for:)` judges with. Either way
/// each rule's flags come from `flags(rule:hits:parameters:history:)`, so a flag is the same
/// whichever path made it.
public struct RuleEngine: Sendable {
    public let rules: [any Rule]
    /// Per rule, itself when it can keep a running judgement (`RunningRule`), worked out once.
    private let runningRules: [(any RunningRule)?]
    /// Per rule, its declared inputs, read once rather than through the rule on every append.
    private let inputs: [RuleInputs]
    /// Per rule, whether `runningRules` holds it: tested on every append without copying the rule out.
    private let keepsRunning: [Bool]
    /// Per rule, its `PayeeChangeTest.mayChange` when it can tell that a new fact leaves a
    /// payee's hits as they were, worked out once (a closure: copying the rule out of an
    /// existential on every append cost as much as the test saved).
    private let changeTests: [(@Sendable (ProjectHistory, ProjectFact, [Int64], [String: Int64]) -> Bool)?]

    public init(rules: [any Rule] = RuleCatalogue.subjectRules) {
        self.rules = rules
        self.runningRules = rules.map { $0 as? any RunningRule }
        self.inputs = rules.map(\.inputs)
        self.keepsRunning = rules.map { $0 is any RunningRule }
        self.changeTests = rules.map { rule in
            guard rule.inputs.scope == .payee, let test = rule as? any PayeeChangeTest else { return nil }
            return { test.mayChange($0, by: $1, flagged: $2, parameters: $3) }
        }
    }

    /// The flags of one project, sorted by id: every rule's `evaluate`, the reference the
    /// running judgements of `update` are held to.
    public func flags(for history: ProjectHistory) -> [Flag] {
        var state = ProjectFlags()
        judgeAll(into: &state, history)
        return state.all
    }

    /// What one project's flags were derived from, so the next append re-judges only what its
    /// new facts can have changed.
    public struct ProjectFlags: Sendable {
        /// Per rule (in the engine's order), its flags by subject key.
        var byRule: [[String: Flag]] = []
        /// Per rule, the parameters its flags were judged with.
        var parameters: [[String: Int64]] = []
        /// Per rule, its running judgement when it keeps one (built with `parameters` and the
        /// rates in force at `judgedSeq` for `currencies`).
        var running: [(any RunningJudgement)?] = []
        /// The project's last seq when last judged: a rate recorded since, of a currency in
        /// `currencies`, re-judges every rule that reads rates at the last seq (`RuleInputs.rates`).
        var judgedSeq: Int64 = -1
        /// The currencies other than USD of the project's amounts (transactions and budgets), the
        /// only ones whose rates its rules convert with (kip conversions of a payment use the
        /// rates in force at its own seq, which later rates never change).
        var currencies: Set<CurrencyCode> = []
        /// `RuleConfigured` changes recorded at or before the project's last event when judged:
        /// while it stays the same, so does every rule's `parameters`.
        var settingsCount = -1

        /// Every flag's id, ascending, kept as flags come and go so that an append that adds or
        /// removes none neither sorts nor joins them again.
        public private(set) var ids: [String] = []
        /// `ids` joined by commas: how the projector records them beside the project.
        public private(set) var idsText = ""

        public init() {}

        /// Every flag, sorted by id.
        public var all: [Flag] { byRule.flatMap(\.values).sorted { $0.id < $1.id } }

        /// Brings `ids` up to `change` (ids are unique across rules: they hash the rule's id).
        mutating func noteIds(_ change: Change) {
            var moved = false
            for id in change.removed {
                let i = Self.position(of: id, in: ids)
                if i < ids.count && ids[i] == id { ids.remove(at: i); moved = true }
            }
            for flag in change.written {
                let i = Self.position(of: flag.id, in: ids)
                if i == ids.count || ids[i] != flag.id { ids.insert(flag.id, at: i); moved = true }
            }
            if moved { idsText = ids.joined(separator: ",") }
        }

        /// Sets `ids` to those of every flag, sorted.
        mutating func resetIds() {
            ids = byRule.flatMap(\.values).map(\.id).sorted()
            idsText = ids.joined(separator: ",")
        }

        private static func position(of id: String, in ids: [String]) -> Int {
            ids.partitionPoint { $0 < id }
        }
    }

    /// A change to one project's flags: what to write and which ids to delete.
    public struct Change: Sendable {
        public var written: [Flag] = []
        public var removed: [String] = []
        /// Beside each flag of `written`, the flag it replaces when the engine knows it (nil for
        /// a new flag, and for every flag of a change made without it): lets the flag table
        /// append a grown evidence list instead of writing it whole.
        var replacing: [Flag?] = []

        public init(written: [Flag] = [], removed: [String] = []) {
            self.written = written
            self.removed = removed
            self.replacing = Array(repeating: nil, count: written.count)
        }
    }

    /// Brings `state` (judged from `history` before `newFacts`) to what `flags(for: history)`
    /// gives now, and returns the flags that changed. `newFacts` are the facts folded into
    /// `history` since; events that gave no fact still moved its last seq and recording time.
    public func update(_ state: inout ProjectFlags, with history: ProjectHistory, newFacts: [ProjectFact]) -> Change {
        guard state.byRule.count == rules.count else {
            let before = state
            judgeAll(into: &state, history)
            return Self.difference(from: before.byRule.flatMap(\.values), to: state.byRule.flatMap(\.values))
        }
        let change = follow(&state, history, newFacts)
        state.noteIds(change)
        return change
    }

    /// `update` of a state judged before.
    private func follow(_ state: inout ProjectFlags, _ history: ProjectHistory, _ newFacts: [ProjectFact]) -> Change {
        var change = Change()
        // The histories restricted to one payee or user, built once per append for all the rules
        // separable by them (three rules re-judge the payee of every new expenditure).
        var parts: [String: ProjectHistory] = [:]
        for fact in newFacts { if let currency = fact.amount?.currency, currency != .usd { state.currencies.insert(currency) } }
        // The project's currencies whose rates were recorded since it was last judged.
        let moved = history.lastSeq > state.judgedSeq
            && history.rates.count(asOf: history.lastSeq) != history.rates.count(asOf: state.judgedSeq)
            ? history.rates.quotes(recordedAfter: state.judgedSeq, through: history.lastSeq).intersection(state.currencies) : []
        let ratesMoved = !moved.isEmpty
        state.judgedSeq = history.lastSeq
        let settingsCount = Self.settingsCount(history)
        let settingsMoved = settingsCount != state.settingsCount
        state.settingsCount = settingsCount
        for (index, rule) in rules.enumerated() {
            let parameters = settingsMoved ? history.settings.parameters(for: rule, asOf: history.lastSeq) : state.parameters[index]
            let inputs = self.inputs[index]
            if keepsRunning[index] {
                let reparameterised = parameters != state.parameters[index]
                guard ratesMoved || reparameterised || inputs.readsClock || newFacts.contains(where: { inputs.kinds.contains($0.kind) })
                else { continue }
                // Taken out of the state while it changes, so its storage is not shared and
                // changes in place.
                var judgement = reparameterised ? nil : state.running[index]
                state.running[index] = nil
                if var followed = judgement {
                    judgement = nil
                    let revision = followed.revision
                    // New rates: the amounts in their currencies converted again, or the judgement built again.
                    var following = !ratesMoved || followed.rerate(moved, in: history)
                    for fact in newFacts where following && inputs.kinds.contains(fact.kind) {
                        following = followed.apply(fact, in: history)
                    }
                    if inputs.readsClock { followed.observe(history) }
                    if following && !ratesMoved && followed.revision == revision && !followed.outOfRange {
                        // Nothing its hits read has moved: the flags judged before stand.
                        state.running[index] = followed
                        continue
                    }
                    if following { judgement = followed }
                }
                let hits: [RuleHit]
                (hits, state.running[index]) = judge(runningRules[index]!, judgement, history, parameters: parameters)
                let old = state.byRule[index]
                let new = flags(rule: rule, hits: hits, parameters: parameters, history: history, previous: old)
                state.byRule[index] = new
                state.parameters[index] = parameters
                change.add(Self.difference(from: Array(old.values), to: Array(new.values)))
                continue
            }
            // A rate read at the last seq re-judges the whole rule, unless its hits are separable
            // and the rates give their amounts only (then the subjects flagged are re-judged below).
            let ratesRejudge = ratesMoved && (inputs.rates == .hits || (inputs.rates == .amounts && inputs.scope == .project))
            if ratesRejudge || inputs.readsClock || parameters != state.parameters[index]
                || (inputs.scope == .project && newFacts.contains(where: { inputs.kinds.contains($0.kind) })) {
                let hits = rule.evaluate(history, parameters: parameters)
                let old = state.byRule[index]
                let new = flags(rule: rule, hits: hits, parameters: parameters, history: history, previous: old)
                state.byRule[index] = new
                state.parameters[index] = parameters
                change.add(Self.difference(from: Array(old.values), to: Array(new.values)))
                continue
            }
            guard inputs.scope != .project else { continue }
            // Subjects the new facts touch: the payee or user of each new transaction the rule
            // reads, and of each transaction a new reversal cancels; each with those facts.
            var touched: [String] = []
            var touching: [[ProjectFact]] = []
            for fact in newFacts where inputs.kinds.contains(fact.kind) {
                let transaction: (payee: String?, actor: String)?
                if fact.kind == .reversal {
                    transaction = fact.number.flatMap { history.transaction(at: $0) }.map { ($0.payee, $0.actor) }
                } else if RuleInputs.allTransactions.contains(fact.kind) {
                    transaction = (fact.party, fact.actor)
                } else {
                    transaction = nil
                }
                guard let transaction, let name = inputs.scope == .payee ? transaction.payee : transaction.actor else { continue }
                if let k = touched.firstIndex(of: name) {
                    touching[k].append(fact)
                } else {
                    touched.append(name)
                    touching.append([fact])
                }
            }
            if !touched.isEmpty, let mayChange = changeTests[index] {
                // Only the payees some new fact may have changed are judged again.
                var kept: [String] = []
                for (name, facts) in zip(touched, touching) {
                    let part = parts["p:" + name] ?? history.restricted(toPayee: name)
                    parts["p:" + name] = part
                    let flagged = state.byRule[index][Subject(kind: .payee, name: name, project: history.project).key]?.evidence ?? []
                    if facts.contains(where: { mayChange(part, $0, flagged, parameters) }) { kept.append(name) }
                }
                touched = kept
            }
            if ratesMoved && inputs.rates == .amounts {
                // The rates moved only the amounts of subjects already hit.
                for flag in state.byRule[index].values.sorted(by: { $0.subject.name < $1.subject.name })
                where !touched.contains(flag.subject.name) {
                    touched.append(flag.subject.name)
                }
            }
            guard !touched.isEmpty else { continue }
            // Taken out of the state while it changes, so its storage is not shared and changes in place.
            var own = state.byRule[index]
            state.byRule[index] = [:]
            var before: [Flag] = [], after: [Flag] = []
            for name in touched {
                let key = Subject(kind: inputs.scope == .payee ? .payee : .user, name: name, project: history.project).key
                // The subject's flag before lends its id (the same `Flag.id` would give).
                var previous: [String: Flag] = [:]
                if let gone = own.removeValue(forKey: key) {
                    before.append(gone)
                    previous[key] = gone
                }
                let partKey = (inputs.scope == .payee ? "p:" : "u:") + name
                let part = parts[partKey] ?? (inputs.scope == .payee ? history.restricted(toPayee: name) : history.restricted(toUser: name))
                parts[partKey] = part
                // The part holds only this subject's transactions, so its hits are all on this subject.
                for (subjectKey, flag) in flags(rule: rule, hits: rule.evaluate(part, parameters: parameters), parameters: parameters,
                                                history: history, previous: previous) {
                    if let replaced = own.updateValue(flag, forKey: subjectKey) { before.append(replaced) }
                    after.append(flag)
                }
            }
            state.byRule[index] = own
            change.add(Self.difference(from: before, to: after))
        }
        return change
    }

    /// Judges every rule from scratch with `evaluate`. Running judgements are left to be built
    /// by the first `update` whose facts concern their rule: a process that judges a project
    /// once (every CLI append starts cold) never pays for a state it would not use.
    private func judgeAll(into state: inout ProjectFlags, _ history: ProjectHistory) {
        state.byRule = []
        state.parameters = []
        state.running = Array(repeating: nil, count: rules.count)
        state.judgedSeq = history.lastSeq
        state.currencies = []
        for t in history.transactions where t.amount.currency != .usd { state.currencies.insert(t.amount.currency) }
        for e in history.budgetEvents { if let currency = e.amount?.currency, currency != .usd { state.currencies.insert(currency) } }
        state.settingsCount = Self.settingsCount(history)
        for rule in rules {
            let parameters = history.settings.parameters(for: rule, asOf: history.lastSeq)
            state.byRule.append(flags(rule: rule, hits: rule.evaluate(history, parameters: parameters), parameters: parameters,
                                      history: history, previous: [:]))
            state.parameters.append(parameters)
        }
        state.resetIds()
    }

    /// How many `RuleConfigured` changes were recorded at or before the project's last event
    /// (changes are kept in seq order).
    private static func settingsCount(_ history: ProjectHistory) -> Int {
        history.settings.changes.partitionPoint { $0.seq <= history.lastSeq }
    }

    /// A running rule's hits on `history`, from `judgement` when it follows the history (else
    /// from one built now), and the judgement to keep; a judgement that met amounts out of its
    /// exact range is dropped and the rule judged by `evaluate`.
    private func judge(_ rule: any RunningRule, _ judgement: (any RunningJudgement)?, _ history: ProjectHistory,
                       parameters: [String: Int64]) -> ([RuleHit], (any RunningJudgement)?) {
        let judgement = judgement ?? rule.running(history, parameters: parameters)
        guard !judgement.outOfRange else { return (rule.evaluate(history, parameters: parameters), nil) }
        return (judgement.hits(in: history), judgement)
    }

    /// One rule's flags from its hits, by subject key. `previous` (the rule's flags before, by
    /// subject key) lends the ids of subjects flagged before, which depend on rule and subject only.
    private func flags(rule: any Rule, hits: [RuleHit], parameters: [String: Int64], history: ProjectHistory,
                       previous earlier: [String: Flag]) -> [String: Flag] {
        var flags: [String: Flag] = [:]
        // Hits in a fixed order, so which of two equal-scored hits on one subject gives the
        // flag its amount and sentence never depends on the order a rule happened to list them.
        let sorted = hits.map { (key: $0.subject.key, hit: $0) }.sorted(by: Self.precedes)
        for (key, hit) in sorted {
            let previous = flags[key]
            let merged = previous.map { merge($0, hit) } ?? (hit.evidence, hit.amount, hit.score, hit.explanation)
            let evidence = merged.0
            let lastEvidence = evidence.last ?? history.lastSeq
            let usd = merged.1.flatMap { history.rates.usd($0, asOf: lastEvidence) }
            flags[key] = Flag(
                id: previous?.id ?? earlier[key]?.id ?? Flag.id(rule: rule.id, subject: hit.subject), ruleId: rule.id, ruleVersion: rule.version,
                severity: rule.severity, parameters: parameters,
                subject: hit.subject, amount: usd ?? merged.1, amountIsUSD: usd != nil, score: merged.2,
                evidence: evidence, explanation: merged.3)
        }
        return flags
    }

    /// Subject, then evidence (lexicographically), then score and sentence.
    private static func precedes(_ x: (key: String, hit: RuleHit), _ y: (key: String, hit: RuleHit)) -> Bool {
        let a = x.hit, b = y.hit
        if x.key != y.key { return x.key < y.key }
        if a.evidence != b.evidence { return a.evidence.lexicographicallyPrecedes(b.evidence) }
        if a.score != b.score { return a.score > b.score }
        return a.explanation < b.explanation
    }

    /// Repeated hits on one subject: the union of evidence, the larger score and its amount and sentence.
    private func merge(_ flag: Flag, _ hit: RuleHit) -> ([Int64], Amount?, Int, String) {
        let evidence = Self.union(flag.evidence, hit.evidence)
        return hit.score > flag.score ? (evidence, hit.amount, hit.score, hit.explanation)
                                      : (evidence, flag.amount, flag.score, flag.explanation)
    }

    /// The seqs of `a` and `b`, ascending, each once: one pass over both when each is ascending
    /// without repeats (as a running judgement's evidence is), else through a set.
    /// `EvidenceUnionTests` holds the two ways to each other.
    static func union(_ a: [Int64], _ b: [Int64]) -> [Int64] {
        guard isStrictlyAscending(a), isStrictlyAscending(b) else { return Array(Set(a).union(b)).sorted() }
        var out: [Int64] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { out.append(a[i]); i += 1 }
            else if b[j] < a[i] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    private static func isStrictlyAscending(_ seqs: [Int64]) -> Bool {
        var k = 1
        while k < seqs.count {
            if seqs[k - 1] >= seqs[k] { return false }
            k += 1
        }
        return true
    }

    /// The flags of `after` that are new or differ from `before`, and the ids of `before` gone.
    static func difference(from before: [Flag], to after: [Flag]) -> Change {
        var change = Change()
        var old: [String: Flag] = [:]
        for flag in before { old[flag.id] = flag }
        for flag in after {
            let replaced = old.removeValue(forKey: flag.id)
            if replaced != flag {
                change.written.append(flag)
                change.replacing.append(replaced)
            }
        }
        change.removed = old.keys.sorted()
        return change
    }
}

extension RuleEngine.Change {
    mutating func add(_ other: RuleEngine.Change) {
        written += other.written
        replacing += other.replacing
        removed += other.removed
    }
}
