/// A red-flag rule that judges a subject against its peers or a whole population of payments:
/// a project's execution rate against projects of the same sector working group, a payee's
/// share of a province's spending, the first digits of an agency's payments.
///
/// Unlike a `Rule`, it cannot be kept current on each append (one new event can move every
/// peer's verdict), so it runs over the whole ledger up to a recorded point
/// (`PopulationRulesEvaluated`), on demand and on a schedule. It must be a pure function of that
/// input so that re-evaluating the same point yields exactly the same flags and ids.
public protocol PopulationRule: Sendable {
    var id: String { get }
    /// Raised whenever the definition changes, so a flag always names the logic that produced it.
    var version: Int { get }
    var name: String { get }
    var rationale: String { get }
    var severity: Severity { get }
    var parameters: [RuleParameter] { get }
    func evaluate(_ population: PopulationFacts, parameters: [String: Int64]) -> [RuleHit]
}

extension PopulationRule {
    /// The parameters with their defaults, as a flag records them.
    public var defaultParameters: [String: Int64] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.defaultValue) })
    }
}
