import ODA

/// Real invoices rarely come to an exact round figure; a payment with a single significant digit
/// and many zeros is more often an estimate, an advance or an invented amount.
public struct RoundAmounts: Rule {
    public let id = "round-amounts"
    public let version = 1
    public let name = "Round amounts"
    public let rationale = "Payments of exact round figures are more often estimates or invented than invoiced."
    public let severity = Severity.low
    public let parameters = [RuleParameter("minimumTrailingZeros", 4, "zeros ending the whole amount (4 = a multiple of 10,000)")]

    public let inputs: RuleInputs = .transactions([.expenditure, .disbursement])

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let zeros = Int(parameters["minimumTrailingZeros"] ?? 4)
        let round = history.transactions.filter { t in
            (t.kind == .expenditure || t.kind == .disbursement) && !t.reversed && Self.isRound(t.amount, trailingZeros: zeros)
        }
        guard let first = round.first else { return [] }
        return [RuleHit(subject: .project(history.project), evidence: round.map(\.seq),
                        amount: history.total(round.map(\.amount), asOf: history.lastSeq), score: min(100, 20 + 10 * round.count),
                        explanation: "\(round.count) payment(s) are exact round figures with one significant digit, such as \(first.amount).")]
    }

    /// A positive whole amount with one significant digit followed by at least `trailingZeros` zeros.
    static func isRound(_ amount: Amount, trailingZeros: Int) -> Bool {
        var units = amount.tenThousandths
        guard units > 0, units % 10_000 == 0 else { return false }
        units /= 10_000
        var count = 0
        while units % 10 == 0 { units /= 10; count += 1 }
        return units < 10 && count >= trailingZeros
    }
}
