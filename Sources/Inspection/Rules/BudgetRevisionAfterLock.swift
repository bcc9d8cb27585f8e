import ODA

/// A budget line revised after its period was locked (year-end closing) without an approved
/// reopening, or after the project was approved, changes figures others have relied on.
public struct BudgetRevisionAfterLock: Rule {
    public let id = "budget-revision-after-approval-or-lock"
    public let version = 1
    public let name = "Budget revision after approval or lock"
    public let rationale = "Revising an approved budget, and above all a locked period, rewrites a figure already relied on."
    public let severity = Severity.medium
    public let parameters = [RuleParameter("lockedScore", 90, "score of a revision of a locked period"),
                             RuleParameter("approvedScore", 40, "score of a revision after project approval")]

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        var locked: Set<String> = []
        var hits: [RuleHit] = []
        for e in history.budgetEvents {
            let key = "\(e.line ?? "")|\(e.period ?? "")"
            switch e.kind {
            case .periodLocked: locked.insert(key)
            case .reopenApproved: locked.remove(key)
            case .budgetRevised:
                let line = e.line ?? "?"
                let period = e.period ?? "?"
                let amount = e.amount
                let subject = Subject(kind: .budgetLine, name: line, project: history.project)
                if locked.contains(key) {
                    hits.append(RuleHit(subject: subject, evidence: [e.seq], amount: amount,
                                        score: Int(parameters["lockedScore"] ?? 90),
                                        explanation: "Budget line \(line) for the period from \(period) was revised while the period was locked."))
                } else if let approval = history.approvalSeq, approval < e.seq {
                    hits.append(RuleHit(subject: subject, evidence: [approval, e.seq], amount: amount,
                                        score: Int(parameters["approvedScore"] ?? 40),
                                        explanation: "Budget line \(line) for the period from \(period) was revised after the project was approved."))
                }
            default: break
            }
        }
        return hits
    }
}
