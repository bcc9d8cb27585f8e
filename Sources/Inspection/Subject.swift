/// What a flag is about. A subject rule's subject is scoped to the project whose events raised
/// it, so the same payee or user in two projects gives two leads, each re-evaluated with its own
/// project. A population rule's subject is portfolio-wide: its `project` is empty.
public struct Subject: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case project, payee, user, budgetLine = "budget-line", implementingAgency = "implementing-agency"
    }

    public let kind: Kind
    /// The payee name, user id or budget line id; the project id for `.project`.
    public let name: String
    public let project: String

    public init(kind: Kind, name: String, project: String) {
        self.kind = kind
        self.name = name
        self.project = project
    }

    public static func project(_ id: String) -> Subject { Subject(kind: .project, name: id, project: id) }

    /// A subject judged across the portfolio by a population rule (a project against its peers,
    /// a payee across projects, an implementing agency's payments).
    public static func portfolio(_ kind: Kind, _ name: String) -> Subject { Subject(kind: kind, name: name, project: "") }

    /// Whether a population rule raised it (no owning project).
    public var isPortfolioWide: Bool { project.isEmpty }

    /// The stable text hashed into a flag id: kind, name and project (`@portfolio` when portfolio-wide).
    public var key: String {
        if isPortfolioWide { return "\(kind.rawValue):\(name)@portfolio" }
        return kind == .project ? "project:\(project)" : "\(kind.rawValue):\(name)@project:\(project)"
    }
}
