/// How much attention a flag asks for. Ordered, so a queue can be filtered "at least medium".
public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
    case low, medium, high

    private var rank: Int { Severity.allCases.firstIndex(of: self)! }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}
