import ODA

/// A second payment to one payee of almost the same amount a few days apart, or under an invoice
/// number already paid, is how a double payment looks once someone has tried to hide it.
public struct NearDuplicatePayments: Rule {
    public let id = "near-duplicate-payments"
    public let version = 1
    public let name = "Near-duplicate payments"
    public let rationale = "Payments to one payee of nearly equal amounts days apart, or on one invoice twice, are often one bill paid twice."
    public let severity = Severity.medium
    public let parameters = [RuleParameter("toleranceBasisPoints", 100, "amounts this close count as equal (100 = 1 %)"),
                             RuleParameter("windowDays", 7, "days apart at most")]

    public let inputs: RuleInputs = .transactions([.expenditure], scope: .payee)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let tolerance = Int128(parameters["toleranceBasisPoints"] ?? 100), window = parameters["windowDays"] ?? 7
        let payments = history.live(.expenditure).filter { $0.payee != nil && $0.date != nil }
        // Only payments to one payee are compared, so pairs are formed within each payee's own
        // payments (in seq order, as the evidence is a set per payee).
        var evidence: [String: Set<Int64>] = [:]
        for own in Dictionary(grouping: payments, by: \.payeeKey).values {
            let payee = own[0].payee!
            let day = own.map { days($0.date!) }
            for i in own.indices {
                let a = own[i]
                for j in (i + 1)..<own.count {
                    let b = own[j]
                    let exact = a.amount == b.amount && a.date == b.date
                    let sameInvoice = a.invoice != nil && a.invoice == b.invoice
                    let close = a.amount.currency == b.amount.currency && abs(day[i] - day[j]) <= window
                        && abs(a.amount.tenThousandths - b.amount.tenThousandths) * 10_000 <= tolerance * max(a.amount.tenThousandths, b.amount.tenThousandths)
                    guard !exact, sameInvoice || close else { continue }
                    evidence[payee, default: []].formUnion([a.seq, b.seq])
                }
            }
        }
        return evidence.keys.sorted().map { payee in
            let seqs = evidence[payee]!.sorted()
            let amounts = payments.filter { seqs.contains($0.seq) }.map(\.amount)
            return RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project), evidence: seqs,
                           amount: history.total(amounts, asOf: history.lastSeq), score: min(100, 40 + 10 * seqs.count),
                           explanation: "\(seqs.count) payments to \(payee) repeat an invoice number or nearly repeat an amount "
                               + "within \(window) days.")
        }
    }
}
