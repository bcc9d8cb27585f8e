import ODA

/// Expenditure dated in a year beyond that year's current budget (all lines) was spent without
/// an appropriation.
public struct SpendingAboveAnnualBudget: Rule {
    public let id = "spending-above-annual-budget"
    public let version = 1
    public let name = "Spending above the annual budget"
    public let rationale = "Expenditure beyond the current annual budget was incurred without appropriation."
    public let severity = Severity.high
    public let parameters = [RuleParameter("toleranceBasisPoints", 0, "overspend allowed (100 = 1 %)")]

    public let inputs: RuleInputs = .transactions([.expenditure, .budgetPlanned, .budgetRevised])

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        var current: [String: ProjectHistory.BudgetChange] = [:]
        for change in history.budgetChanges { current["\(change.line)|\(change.periodStart)"] = change }
        let byYear = Dictionary(grouping: current.values) { String($0.periodStart.prefix(4)) }
        let tolerance = Int128(parameters["toleranceBasisPoints"] ?? 0)
        let spentByYear = Dictionary(grouping: history.live(.expenditure).filter { $0.date != nil }) { String($0.date!.year) }
        return byYear.keys.sorted().compactMap { year in
            let lines = byYear[year]!
            let spent = spentByYear[year] ?? []
            guard !spent.isEmpty, let budget = history.total(lines.map(\.amount), asOf: history.lastSeq),
                  let total = history.total(spent.map(\.amount), asOf: history.lastSeq) else { return nil }
            let budgetInTotal: Amount? = budget.currency == total.currency ? budget
                : total.currency == .usd ? history.rates.usd(budget, asOf: history.lastSeq) : nil
            guard let b = budgetInTotal, total.tenThousandths * 10_000 > b.tenThousandths * (10_000 + tolerance) else { return nil }
            let excess = (try? total.subtracting(b)) ?? total
            return RuleHit(subject: .project(history.project),
                           evidence: (lines.map(\.seq) + spent.map(\.seq)).sorted(), amount: excess, score: 70,
                           explanation: "Expenditure dated \(year) totals \(total), above the current \(year) budget of \(b).")
        }
    }
}
