import ODA

/// The ledger lets a deployment allow a proposer to approve their own project, and marks it
/// `selfApproved`; the four-eyes principle was then not applied.
public struct SelfApproval: Rule {
    public let id = "self-approval"
    public let version = 1
    public let name = "Self-approval"
    public let rationale = "An approval by the person who proposed the project skips the four-eyes check."
    public let severity = Severity.high
    public let parameters: [RuleParameter] = []

    public let inputs: RuleInputs = RuleInputs(kinds: [.approval], rates: .none)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        history.approvals.filter(\.selfApproved).map { e in
            RuleHit(subject: Subject(kind: .user, name: e.actor, project: history.project), evidence: [e.seq],
                    amount: nil, score: 80,
                    explanation: "\(e.actor) approved project \(history.project), which they had proposed.")
        }
    }
}
