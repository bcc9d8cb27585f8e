import ODA

/// Money spent in a rush in the last month of the fiscal year (December since 2017) is often
/// spent to avoid losing the allocation rather than for the project's needs.
public struct YearEndSpike: Rule {
    public let id = "year-end-spike"
    public let version = 1
    public let name = "Year-end spike"
    public let rationale = "A large share of a year's expenditure in its last month suggests spending to use up the budget."
    public let severity = Severity.medium
    public let parameters = [RuleParameter("shareBasisPoints", 4000, "share of the year's expenditure dated in December that raises a flag"),
                             RuleParameter("minimumPayments", 5, "payments in the year before it is judged")]

    public let inputs: RuleInputs = .transactions([.expenditure])

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let share = Int128(parameters["shareBasisPoints"] ?? 4000), minimum = Int(parameters["minimumPayments"] ?? 5)
        let byYear = Dictionary(grouping: history.live(.expenditure).filter { $0.date != nil }) { $0.date!.year }
        return byYear.keys.sorted().compactMap { year in
            let payments = byYear[year]!
            guard payments.count >= minimum else { return nil }
            let december = payments.filter { $0.date!.month == 12 }
            // A year paid in several currencies is compared in USD: December's share too (a zero USD joins it).
            let usdZero = payments.contains { $0.amount.currency != payments[0].amount.currency } ? [Amount.zero(.usd)] : []
            guard !december.isEmpty, let total = history.total(payments.map(\.amount), asOf: history.lastSeq),
                  let spike = history.total(december.map(\.amount) + usdZero, asOf: history.lastSeq), spike.currency == total.currency,
                  total.tenThousandths > 0, spike.tenThousandths * 10_000 >= share * total.tenThousandths else { return nil }
            let percent = Int(spike.tenThousandths * 100 / total.tenThousandths)
            return RuleHit(subject: .project(history.project), evidence: december.map(\.seq), amount: spike,
                           score: min(100, 20 + percent),
                           explanation: "\(percent) % of the \(year) expenditure (\(spike) of \(total)) is dated in December.")
        }
    }
}
