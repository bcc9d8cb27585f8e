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

    /// Amounts are compared in their own currency; only a hit's total is converted at the last seq.
    public let inputs: RuleInputs = .transactions([.expenditure], scope: .payee, rates: .amounts)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let tolerance = Int128(parameters["toleranceBasisPoints"] ?? 100), window = parameters["windowDays"] ?? 7
        let payments = history.live(.expenditure).filter { $0.payee != nil && $0.date != nil }
        // Only payments to one payee are compared, so pairs are formed within each payee's own
        // payments (in seq order, as the evidence is a set per payee).
        var evidence: [String: Set<Int64>] = [:]
        for own in Dictionary(grouping: payments, by: \.payeeKey).values {
            let payee = own[0].payee!
            let day = own.map { $0.day! }
            func judge(_ i: Int, _ j: Int) {
                let a = own[i], b = own[j]
                let exact = a.amount == b.amount && a.date == b.date
                let sameInvoice = a.invoice != nil && a.invoice == b.invoice
                let close = a.amount.currency == b.amount.currency && abs(day[i] - day[j]) <= window
                    && abs(a.amount.tenThousandths - b.amount.tenThousandths) * 10_000 <= tolerance * max(a.amount.tenThousandths, b.amount.tenThousandths)
                guard !exact, sameInvoice || close else { return }
                evidence[payee, default: []].formUnion([a.seq, b.seq])
            }
            // Only pairs that can qualify are judged: those within the window of days (a scan in
            // day order) and those sharing an invoice number. The evidence is a set, so judging
            // a pair twice changes nothing.
            let byDay = own.indices.sorted { (day[$0], $0) < (day[$1], $1) }
            for (p, i) in byDay.enumerated() {
                for j in byDay[(p + 1)...] {
                    guard day[j] - day[i] <= window else { break }
                    judge(min(i, j), max(i, j))
                }
            }
            var byInvoice: [String: [Int]] = [:]
            for i in own.indices { if let invoice = own[i].invoice { byInvoice[invoice, default: []].append(i) } }
            for same in byInvoice.values where same.count > 1 {
                for (p, i) in same.enumerated() { for j in same[(p + 1)...] { judge(i, j) } }
            }
        }
        return evidence.keys.sorted().map { payee in
            let set = evidence[payee]!
            let seqs = set.sorted()
            let amounts = payments.filter { set.contains($0.seq) }.map(\.amount)
            return RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project), evidence: seqs,
                           amount: history.total(amounts, asOf: history.lastSeq), score: min(100, 40 + 10 * seqs.count),
                           explanation: "\(seqs.count) payments to \(payee) repeat an invoice number or nearly repeat an amount "
                               + "within \(window) days.")
        }
    }
}
