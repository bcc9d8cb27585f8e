import ODA

/// Money paid out beyond what was committed has no legal basis. A tolerance absorbs currency
/// effects: ADB projects in the Lao data exceed their commitment by up to 5.5 % for that reason.
public struct DisbursementAboveCommitment: Rule {
    public let id = "disbursement-above-commitment"
    public let version = 1
    public let name = "Disbursement above commitment"
    public let rationale = "Disbursements beyond the committed amount are not covered by any agreement."
    public let severity = Severity.high
    public let parameters = [RuleParameter("toleranceBasisPoints", 600, "excess allowed for currency effects (600 = 6 %)")]

    public let inputs: RuleInputs = .transactions([.commitment, .disbursement])

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let commitments = history.live(.commitment), disbursements = history.live(.disbursement)
        guard !disbursements.isEmpty else { return [] }
        let seq = history.lastSeq
        guard let (paid, committedSame) = comparable(
            history.total(disbursements.map(\.amount), asOf: seq), history.total(commitments.map(\.amount), asOf: seq), history)
        else { return [] }
        let tolerance = Int128(parameters["toleranceBasisPoints"] ?? 600)
        guard paid.tenThousandths * 10_000 > committedSame.tenThousandths * (10_000 + tolerance) else { return [] }
        let excess = (try? paid.subtracting(committedSame)) ?? paid
        let ratio = committedSame.tenThousandths > 0 ? Int(paid.tenThousandths * 100 / committedSame.tenThousandths) : 999
        return [RuleHit(
            subject: .project(history.project),
            evidence: (commitments + disbursements).map(\.seq).sorted(), amount: excess, score: min(100, 50 + (ratio - 100)),
            explanation: "Disbursements of \(paid) exceed commitments of \(committedSame) by \(excess), "
                + "more than the \(tolerance) basis-point tolerance for currency effects.")]
    }

    /// Paid and committed in one currency: their own when they share it, else both in USD.
    /// Nil when nothing was paid or a rate is missing (no commitment counts as zero).
    private func comparable(_ paid: Amount?, _ committed: Amount?, _ history: ProjectHistory) -> (Amount, Amount)? {
        guard let paid else { return nil }
        guard let committed else { return (paid, Amount.zero(paid.currency)) }
        if paid.currency == committed.currency { return (paid, committed) }
        guard let p = history.rates.usd(paid, asOf: history.lastSeq), let c = history.rates.usd(committed, asOf: history.lastSeq)
        else { return nil }
        return (p, c)
    }
}
