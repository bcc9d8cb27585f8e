import EventLog
import ODA

/// A transaction dated before the project starts or after it ends has no place in it: money
/// parked in a closed project, or costs charged to the wrong one.
public struct OutsideProjectWindow: Rule {
    public let id = "outside-project-window"
    public let version = 1
    public let name = "Transaction outside the project window"
    public let rationale = "Transactions dated outside the project's start and end dates belong to no activity of it."
    public let severity = Severity.medium
    public let parameters = [RuleParameter("graceDays", 0, "days allowed before the start and after the end")]

    public let inputs: RuleInputs = .transactions(RuleInputs.allTransactions.union([.window]))

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        guard let window = history.window else { return [] }
        let grace = parameters["graceDays"] ?? 0
        let start = days(window.start) - grace, end = days(window.end) + grace
        let outside = history.transactions.filter { t in
            guard !t.reversed, t.kind != .commitment, let day = t.day else { return false }
            return day < start || day > end
        }
        guard let first = outside.first else { return [] }
        return [RuleHit(subject: .project(history.project), evidence: outside.map(\.seq),
                        amount: history.total(outside.map(\.amount), asOf: history.lastSeq),
                        score: min(100, 40 + 10 * outside.count),
                        explanation: "\(outside.count) transaction(s), the first dated \(first.date!), fall outside the project "
                            + "window \(window.start) to \(window.end).")]
    }
}

/// Days since 1970-01-01 of a calendar date.
func days(_ date: CalendarDate) -> Int64 {
    CivilDate.daysSinceEpoch(year: Int64(date.year), month: Int64(date.month), day: Int64(date.day))
}
