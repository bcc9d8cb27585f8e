import ODA

/// A named parameter of a rule and its default. Integers only, so a flag's parameters are exact
/// and reproducible (percentages are basis points, durations whole days or hours).
public struct RuleParameter: Sendable, Hashable {
    public let name: String
    public let defaultValue: Int64
    public let meaning: String

    public init(_ name: String, _ defaultValue: Int64, _ meaning: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.meaning = meaning
    }
}

/// What every red-flag rule declares, whatever it judges: the identity a flag names, and the
/// parameters `RuleConfigured` events may change.
public protocol RuleDefinition: Sendable {
    var id: String { get }
    /// Raised whenever the definition changes, so a flag always names the logic that produced it.
    var version: Int { get }
    var name: String { get }
    var rationale: String { get }
    var severity: Severity { get }
    var parameters: [RuleParameter] { get }
}

/// One red-flag rule. A rule sees one project's history (and the exchange rates recorded so far)
/// and reports hits; it must be a pure function of that input so that incremental evaluation on
/// append and a full re-evaluation produce the same flags.
public protocol Rule: RuleDefinition {
    func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit]
    /// What the rule's hits depend on, so an append re-judges only what it can have changed.
    /// The default, `RuleInputs.everything`, re-runs the rule over the whole project on every
    /// event of it; a rule that declares less must never read more (the equality tests of
    /// incremental against full evaluation check it over generated ledgers).
    var inputs: RuleInputs { get }
}

extension Rule {
    public var inputs: RuleInputs { .everything }
}

/// The part of a project's history a subject rule reads, beyond its parameters and the rates
/// in force at the project's last event (a change of either always re-runs the rule; for rates,
/// a rate of a currency the project holds amounts in, as no other converts its amounts).
public struct RuleInputs: Sendable, Hashable {
    /// Which subjects a rule's hits are separable into.
    public enum Scope: Sendable, Hashable {
        /// Hits may depend on anything the rule reads in the project.
        case project
        /// Each hit's subject is a payee, and depends only on the transactions paid to it.
        case payee
        /// Each hit's subject is a user, and depends only on the transactions they recorded.
        case user
    }

    /// Facts whose arrival can change the hits. A reversal changes the transaction it names,
    /// so a rule reading transactions lists `.reversal` too.
    public let kinds: Set<ProjectFact.Kind>
    public let scope: Scope
    /// Whether the hits read the project's last seq or recording time themselves (other than
    /// through parameters and rates): such a rule re-runs on every event of the project.
    public let readsClock: Bool
    public let rates: RateUse

    /// What the rates in force at the project's last seq decide of a rule's hits. A rate a
    /// transaction is converted with at its own seq never changes once recorded, nor does a
    /// flag's USD amount (converted at its last evidence event): only rates read at the last
    /// seq make a rate recorded since the last judgement matter.
    public enum RateUse: Sendable, Hashable {
        /// None is read: a new rate changes no hit.
        case none
        /// They give hits' amounts only, never which subjects are hit nor their evidence: a new
        /// rate re-judges only the subjects flagged (for a rule separable by payee or user).
        case amounts
        /// Anything may depend on them: a new rate re-judges the whole rule.
        case hits
    }

    public init(kinds: Set<ProjectFact.Kind>, scope: Scope = .project, readsClock: Bool = false, rates: RateUse = .hits) {
        self.kinds = kinds
        self.scope = scope
        self.readsClock = readsClock
        self.rates = rates
    }

    /// Everything: the rule re-runs over the whole project on every event of it.
    public static let everything = RuleInputs(kinds: Set(ProjectFact.Kind.allCases), readsClock: true)

    /// Transactions of the given kinds and the reversals that can cancel them.
    public static func transactions(_ kinds: Set<ProjectFact.Kind>, scope: Scope = .project, readsClock: Bool = false,
                                    rates: RateUse = .hits) -> RuleInputs {
        RuleInputs(kinds: kinds.union([.reversal]), scope: scope, readsClock: readsClock, rates: rates)
    }

    static let allTransactions: Set<ProjectFact.Kind> = [.commitment, .disbursement, .expenditure, .counterpart]
}

extension RuleDefinition {
    /// The parameters with their defaults, as a flag records them.
    public var defaultParameters: [String: Int64] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.defaultValue) })
    }
}

/// What a rule saw: the subject, the events, the money involved, a 0–100 score and one sentence.
public struct RuleHit: Sendable, Hashable {
    public let subject: Subject
    public let evidence: [Int64]
    public let amount: Amount?
    public let score: Int
    public let explanation: String

    public init(subject: Subject, evidence: [Int64], amount: Amount?, score: Int, explanation: String) {
        self.subject = subject
        self.evidence = evidence
        self.amount = amount
        self.score = max(0, min(100, score))
        self.explanation = explanation
    }
}
