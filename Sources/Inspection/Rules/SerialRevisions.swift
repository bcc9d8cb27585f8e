import ODA

/// Many revisions of one budget line in one period suggest a line used as a reservoir or figures
/// adjusted to fit spending after the fact.
public struct SerialRevisions: Rule {
    public let id = "serial-budget-revisions"
    public let version = 1
    public let name = "Serial revisions of one budget line"
    public let rationale = "Repeated revisions of the same line and period hide the original plan."
    public let severity = Severity.medium
    public let parameters = [RuleParameter("minimumRevisions", 3, "revisions of one line and period that raise a flag")]

    /// A hit's amount is the last revision's, as recorded: no rate is read.
    public let inputs: RuleInputs = RuleInputs(kinds: [.budgetRevised], rates: .none)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let minimum = Int(parameters["minimumRevisions"] ?? 3)
        let groups = Dictionary(grouping: history.budgetChanges.filter(\.isRevision)) { "\($0.line)|\($0.periodStart)" }
        return groups.keys.sorted().compactMap { key in
            let revisions = groups[key]!
            guard revisions.count >= minimum, let first = revisions.first, let last = revisions.last else { return nil }
            return RuleHit(subject: Subject(kind: .budgetLine, name: first.line, project: history.project),
                           evidence: revisions.map(\.seq), amount: last.amount, score: min(100, 30 + 15 * revisions.count),
                           explanation: "Budget line \(first.line) for the period from \(first.periodStart) was revised "
                               + "\(revisions.count) times (flagged from \(minimum)).")
        }
    }
}
