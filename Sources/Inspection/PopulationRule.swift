/// A red-flag rule that judges a subject against its peers or a whole population of payments:
/// a project's execution rate against projects of the same sector working group, a payee's
/// share of a province's spending, the first digits of an agency's payments.
///
/// Unlike a `Rule`, it cannot be kept current on each append (one new event can move every
/// peer's verdict), so it runs over the whole ledger up to a recorded point
/// (`PopulationRulesEvaluated`), on demand and on a schedule. It must be a pure function of that
/// input so that re-evaluating the same point yields exactly the same flags and ids.
public protocol PopulationRule: RuleDefinition {
    func evaluate(_ population: PopulationFacts, parameters: [String: Int64]) -> [RuleHit]
}
