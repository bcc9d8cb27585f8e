import ODA

/// The same payee paid the same amount on the same day twice is the classic double payment,
/// by error or by design.
public struct ExactDuplicatePayments: Rule {
    public let id = "exact-duplicate-payments"
    public let version = 1
    public let name = "Exact duplicate payments"
    public let rationale = "Two payments to one payee of one amount on one date are usually one invoice paid twice."
    public let severity = Severity.high
    public let parameters: [RuleParameter] = []

    /// Amounts are compared as recorded and a hit's amount is one of them: no rate is read.
    public let inputs: RuleInputs = .transactions([.expenditure, .disbursement], scope: .payee, rates: .none)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        // Payments without a payee or a date can never be named as duplicates. The rest, ordered
        // by payee, date, amount and seq, put each group of equal payments in one run.
        let payments = history.transactions.filter {
            ($0.kind == .expenditure || $0.kind == .disbursement) && !$0.reversed && $0.payee != nil && $0.date != nil
        }.sorted { a, b in
            if a.amount.tenThousandths != b.amount.tenThousandths { return a.amount.tenThousandths < b.amount.tenThousandths }
            if a.date! != b.date! { return a.date! < b.date! }
            if a.amount.currency != b.amount.currency { return a.amount.currency < b.amount.currency }
            if a.payee! != b.payee! { return a.payee! < b.payee! }
            return a.seq < b.seq
        }
        var hits: [RuleHit] = []
        var start = 0
        while start < payments.count {
            let first = payments[start]
            var end = start + 1
            while end < payments.count, payments[end].amount == first.amount, payments[end].date == first.date,
                  payments[end].payee == first.payee { end += 1 }
            if end - start > 1, let payee = first.payee, let date = first.date {
                let group = payments[start..<end]
                hits.append(RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project),
                                    evidence: group.map(\.seq), amount: first.amount,
                                    score: min(100, 60 + 15 * (group.count - 1)),
                                    explanation: "\(payee) was paid \(first.amount) \(group.count) times on \(date)."))
            }
            start = end
        }
        return hits
    }
}

extension ExactDuplicatePayments: PayeeChangeTest {
    /// A new payment changes the payee's hits only when another live payment to the payee has
    /// its amount and date: else it stands alone, in no group of equal payments.
    func mayChange(_ part: ProjectHistory, by fact: ProjectFact, flagged: [Int64], parameters: [String: Int64]) -> Bool {
        mayChange(part, by: fact, flagged: flagged) { t in
            guard t.kind == .expenditure || t.kind == .disbursement, t.payee != nil, let date = t.date else { return false }
            return part.transactions.contains { u in
                u.seq != t.seq && (u.kind == .expenditure || u.kind == .disbursement) && !u.reversed && u.amount == t.amount
                    && u.date == date
            }
        }
    }
}
