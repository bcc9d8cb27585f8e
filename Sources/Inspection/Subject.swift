/// What a flag is about. Every subject is scoped to the project whose events raised it, so the
/// same payee or user in two projects gives two leads, each re-evaluated with its own project.
public struct Subject: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case project, payee, user, budgetLine = "budget-line" }

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

    /// The stable text hashed into a flag id: kind, name and project.
    public var key: String { kind == .project ? "project:\(project)" : "\(kind.rawValue):\(name)@project:\(project)" }
}
