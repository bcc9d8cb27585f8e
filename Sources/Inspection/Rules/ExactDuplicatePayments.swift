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

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let payments = history.transactions.filter { ($0.kind == .expenditure || $0.kind == .disbursement) && !$0.reversed }
        struct Key: Hashable { let payee: String?; let units: Int128; let currency: CurrencyCode; let date: CalendarDate? }
        let groups = Dictionary(grouping: payments) { Key(payee: $0.payee, units: $0.amount.tenThousandths, currency: $0.amount.currency, date: $0.date) }
        return groups.values.compactMap { group -> RuleHit? in
            guard group.count > 1, let first = group.first, let payee = first.payee, let date = first.date else { return nil }
            return RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project),
                           evidence: group.map(\.seq).sorted(), amount: first.amount,
                           score: min(100, 60 + 15 * (group.count - 1)),
                           explanation: "\(payee) was paid \(first.amount) \(group.count) times on \(date).")
        }
    }
}
