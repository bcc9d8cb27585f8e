import ODA

/// When most of a project's spending goes to one payee, competition has probably not worked,
/// or the payee is a conduit.
public struct PayeeConcentration: Rule {
    public let id = "payee-concentration"
    public let version = 1
    public let name = "Payee concentration"
    public let rationale = "One payee receiving most of a project's expenditure suggests weak competition or a conduit."
    public let severity = Severity.medium
    public let parameters = [RuleParameter("shareBasisPoints", 5000, "share of the project's expenditure to one payee that raises a flag"),
                             RuleParameter("minimumPayees", 3, "distinct payees before the project is judged")]

    public let inputs: RuleInputs = .transactions([.expenditure])

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let share = Int128(parameters["shareBasisPoints"] ?? 5000), minimum = Int(parameters["minimumPayees"] ?? 3)
        let payments = history.live(.expenditure).filter { $0.payee != nil }
        let byPayee = Dictionary(grouping: payments, by: \.payeeKey)
        // `history.total` converts each amount to USD on its own when currencies are mixed; each
        // payment's conversion is made once here and reused for its payee's sum.
        // In a project paying in several currencies the total is in USD, so every payee's sum must be too.
        let mixed = payments.contains { $0.amount.currency != payments.first?.amount.currency }
        var usd: [Int64: Amount] = [:]
        func sumOf(_ list: [ProjectHistory.Transaction]) -> Amount? {
            guard let first = list.first else { return nil }
            if !mixed, list.allSatisfy({ $0.amount.currency == first.amount.currency }) { return history.total(list.map(\.amount), asOf: history.lastSeq) }
            var sum = Amount.zero(.usd)
            for t in list {
                guard let converted = usd[t.seq] ?? history.rates.usd(t.amount, asOf: history.lastSeq),
                      let next = try? sum.adding(converted) else { return nil }
                usd[t.seq] = converted
                sum = next
            }
            return sum
        }
        guard byPayee.count >= minimum, let total = sumOf(payments), total.tenThousandths > 0 else { return [] }
        return byPayee.values.compactMap { own in
            let payee = own[0].payee!
            guard let sum = sumOf(own), sum.currency == total.currency,
                  sum.tenThousandths * 10_000 > share * total.tenThousandths else { return nil }
            let percent = Int(sum.tenThousandths * 100 / total.tenThousandths)
            return RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project), evidence: own.map(\.seq),
                           amount: sum, score: min(100, percent),
                           explanation: "\(payee) received \(percent) % of the project's expenditure (\(sum) of \(total)) among \(byPayee.count) payees.")
        }
    }
}
