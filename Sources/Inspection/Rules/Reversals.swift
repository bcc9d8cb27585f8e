import ODA

/// Corrections are reversals, never edits; a project with many of them has weak controls or
/// entries made and undone to move money through the books.
public struct Reversals: Rule {
    public let id = "reversals"
    public let version = 1
    public let name = "Reversed transactions"
    public let rationale = "Reversals correct errors but also hide entries made and undone."
    public let severity = Severity.low
    public let parameters = [RuleParameter("minimumReversals", 1, "reversals in a project that raise a flag")]

    public let inputs: RuleInputs = .transactions(RuleInputs.allTransactions)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let reversals = history.reversals
        guard reversals.count >= Int(parameters["minimumReversals"] ?? 1) else { return [] }
        let reversed = Set(reversals.map(\.reversed))
        let amounts = history.transactions.filter { reversed.contains($0.seq) }.map(\.amount)
        let evidence = Array(Set(reversals.map(\.seq) + reversals.map(\.reversed))).sorted()
        return [RuleHit(subject: .project(history.project), evidence: evidence,
                        amount: history.total(amounts, asOf: history.lastSeq), score: min(100, 20 + 20 * reversals.count),
                        explanation: "\(reversals.count) transaction(s) of this project were reversed.")]
    }
}
