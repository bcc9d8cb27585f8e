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
