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
                guard Self.pair(own[i], own[j], days: day[i], day[j], tolerance: tolerance, window: window) else { return }
                evidence[payee, default: []].formUnion([own[i].seq, own[j].seq])
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

    /// Whether payments `a` and `b` (dated `dayA` and `dayB`) look like one bill paid twice: on
    /// one invoice number, or of nearly the same amount within the window, and not exactly equal
    /// (the exact duplicates' rule names those).
    static func pair(_ a: ProjectHistory.Transaction, _ b: ProjectHistory.Transaction, days dayA: Int64, _ dayB: Int64,
                     tolerance: Int128, window: Int64) -> Bool {
        let exact = a.amount == b.amount && a.date == b.date
        let sameInvoice = a.invoice != nil && a.invoice == b.invoice
        let close = a.amount.currency == b.amount.currency && abs(dayA - dayB) <= window
            && abs(a.amount.tenThousandths - b.amount.tenThousandths) * 10_000 <= tolerance * max(a.amount.tenThousandths, b.amount.tenThousandths)
        return !exact && (sameInvoice || close)
    }
}

extension NearDuplicatePayments: PayeeChangeTest {
    /// A new payment changes the payee's hits only when it pairs with another live payment to
    /// the payee: the evidence is every payment of some pair, and a pair of older payments
    /// stays as it was.
    func mayChange(_ part: ProjectHistory, by fact: ProjectFact, flagged: [Int64], parameters: [String: Int64]) -> Bool {
        let tolerance = Int128(parameters["toleranceBasisPoints"] ?? 100), window = parameters["windowDays"] ?? 7
        return mayChange(part, by: fact, flagged: flagged) { t in
            guard t.kind == .expenditure, t.payee != nil, let day = t.day else { return false }
            return part.transactions.contains { u in
                guard u.seq != t.seq, u.kind == .expenditure, !u.reversed, let other = u.day else { return false }
                return Self.pair(t, u, days: day, other, tolerance: tolerance, window: window)
            }
        }
    }
}
