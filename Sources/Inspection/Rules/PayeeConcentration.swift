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
        // Positions in `payments` by payee, so each payment's USD conversion is looked up by position.
        let byPayee = Dictionary(grouping: payments.indices, by: { payments[$0].payeeKey })
        // In a project paying in several currencies the total is in USD, so every payee's sum must be too;
        // each payment is converted once (as of the project's last seq) and reused for its payee's sum.
        let mixed = payments.contains { $0.amount.currency != payments.first?.amount.currency }
        var usd: [Amount] = []
        if mixed {
            usd.reserveCapacity(payments.count)
            for t in payments {
                // A payment that cannot be converted leaves the project's total unknown: nothing is judged.
                guard let converted = history.rates.usd(t.amount, asOf: history.lastSeq) else { return [] }
                usd.append(converted)
            }
        }
        func sumOf(_ positions: [Int]) -> Amount? {
            guard !positions.isEmpty else { return nil }
            if !mixed { return history.total(positions.map { payments[$0].amount }, asOf: history.lastSeq) }
            var sum = Amount.zero(.usd)
            for i in positions {
                guard let next = try? sum.adding(usd[i]) else { return nil }
                sum = next
            }
            return sum
        }
        guard byPayee.count >= minimum, let total = sumOf(Array(payments.indices)), total.tenThousandths > 0 else { return [] }
        return byPayee.values.compactMap { own in
            let payee = payments[own[0]].payee!
            guard let sum = sumOf(own), sum.currency == total.currency,
                  sum.tenThousandths * 10_000 > share * total.tenThousandths else { return nil }
            let percent = Int(sum.tenThousandths * 100 / total.tenThousandths)
            return RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project), evidence: own.map { payments[$0].seq },
                           amount: sum, score: min(100, percent),
                           explanation: "\(payee) received \(percent) % of the project's expenditure (\(sum) of \(total)) among \(byPayee.count) payees.")
        }
    }
}
