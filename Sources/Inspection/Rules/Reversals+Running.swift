import ODA

extension Reversals: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var judgement = Running(minimum: Int(parameters["minimumReversals"] ?? 1))
        for reversal in history.reversals { judgement.reverse(reversal.seq, reversed: reversal.reversed, in: history) }
        return judgement
    }

    /// The reversals, the seqs they and their transactions give as evidence, and the running
    /// total of the transactions they cancel (each once, however often it is reversed): an
    /// append adds one reversal, or a transaction some earlier reversal already named.
    struct Running: RunningJudgement {
        let minimum: Int
        var count = 0
        var evidence = SortedSeqs()
        var cancelled: Set<Int64> = []
        var total = RunningTotal()

        var outOfRange: Bool { total.outOfRange }
        var revision = 0

        mutating func apply(_ fact: ProjectFact, in history: ProjectHistory) -> Bool {
            if fact.kind == .reversal {
                if let reversed = fact.number {
                    reverse(fact.seq, reversed: reversed, in: history)
                    revision += 1
                }
            } else if fact.isTransaction, !cancelled.contains(fact.seq), let t = history.transaction(at: fact.seq),
                      history.reversals.contains(where: { $0.reversed == fact.seq }) {
                // A transaction named by a reversal recorded before it.
                cancel(t, in: history)
                revision += 1
            }
            return true
        }

        mutating func reverse(_ seq: Int64, reversed: Int64, in history: ProjectHistory) {
            count += 1
            add(seq)
            add(reversed)
            if !cancelled.contains(reversed), let t = history.transaction(at: reversed) { cancel(t, in: history) }
        }

        private mutating func cancel(_ t: ProjectHistory.Transaction, in history: ProjectHistory) {
            cancelled.insert(t.seq)
            total.add(t.amount, usd: history.rates.usd(t.amount, asOf: history.lastSeq))
        }

        private mutating func add(_ seq: Int64) {
            if !evidence.contains(seq) { evidence.insert(seq) }
        }

        func hits(in history: ProjectHistory) -> [RuleHit] {
            guard count >= minimum else { return [] }
            return [RuleHit(subject: .project(history.project), evidence: evidence.values, amount: total.total,
                            score: min(100, 20 + 20 * count),
                            explanation: "\(count) transaction(s) of this project were reversed.")]
        }
    }
}
