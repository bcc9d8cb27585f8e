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

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let share = Int128(parameters["shareBasisPoints"] ?? 5000), minimum = Int(parameters["minimumPayees"] ?? 3)
        let payments = history.live(.expenditure).filter { $0.payee != nil }
        let byPayee = Dictionary(grouping: payments, by: \.payeeKey)
        guard byPayee.count >= minimum, let total = history.total(payments.map(\.amount), asOf: history.lastSeq),
              total.tenThousandths > 0 else { return [] }
        return byPayee.values.compactMap { own in
            let payee = own[0].payee!
            guard let sum = history.total(own.map(\.amount), asOf: history.lastSeq), sum.currency == total.currency,
                  sum.tenThousandths * 10_000 > share * total.tenThousandths else { return nil }
            let percent = Int(sum.tenThousandths * 100 / total.tenThousandths)
            return RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project), evidence: own.map(\.seq),
                           amount: sum, score: min(100, percent),
                           explanation: "\(payee) received \(percent) % of the project's expenditure (\(sum) of \(total)) among \(byPayee.count) payees.")
        }
    }
}
