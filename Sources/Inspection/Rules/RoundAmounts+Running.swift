import ODA

extension RoundAmounts: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var judgement = Running(zeros: Int(parameters["minimumTrailingZeros"] ?? 4))
        judgement.include(all: history)
        return judgement
    }

    /// The seqs, amounts and running total of the live round payments: an append tests its own
    /// amount only.
    struct Running: TransactionJudgement {
        let zeros: Int
        var seqs = SortedSeqs()
        var total = RunningTotal()
        var included: [Int64: (amount: Amount, usd: Amount?)] = [:]

        var outOfRange: Bool { total.outOfRange }

        var revision = 0

        mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool {
            guard (t.kind == .expenditure || t.kind == .disbursement) && !t.reversed,
                  RoundAmounts.isRound(t.amount, trailingZeros: zeros) else { return false }
            let usd = history.rates.usd(t.amount, asOf: history.lastSeq)
            included[t.seq] = (t.amount, usd)
            seqs.insert(t.seq)
            total.add(t.amount, usd: usd)
            return true
        }

        mutating func exclude(_ seq: Int64) -> Bool {
            guard let (amount, usd) = included.removeValue(forKey: seq) else { return false }
            seqs.remove(seq)
            total.remove(amount, usd: usd)
            return true
        }

        func hits(in history: ProjectHistory) -> [RuleHit] {
            guard let first = seqs.values.first, let amount = included[first]?.amount else { return [] }
            return [RuleHit(subject: .project(history.project), evidence: seqs.values, amount: total.total,
                            score: min(100, 20 + 10 * seqs.count),
                            explanation: "\(seqs.count) payment(s) are exact round figures with one significant digit, such as \(amount).")]
        }
    }
}
