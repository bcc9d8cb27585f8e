import ODA

extension PayeeConcentration: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var judgement = Running(share: Int128(parameters["shareBasisPoints"] ?? 5000), minimum: Int(parameters["minimumPayees"] ?? 3))
        judgement.include(all: history)
        return judgement
    }

    /// Per payee, its live expenditures' seqs and running total; the project's total beside them.
    /// An append updates one payee and the total, then compares each payee's sum with the share
    /// of the total (a handful of payees, not the project's payments).
    struct Running: TransactionJudgement {
        struct Payee: Sendable {
            var seqs = SortedSeqs()
            var total = RunningTotal()
        }

        let share: Int128
        let minimum: Int
        var payees: [String: Payee] = [:]
        var all = RunningTotal()
        /// The payments taken in: payee, amount and USD value, by seq.
        var included: [Int64: (payee: String, amount: Amount, usd: Amount?)] = [:]

        var outOfRange: Bool { all.outOfRange }

        var revision = 0

        mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool {
            guard t.kind == .expenditure, !t.reversed, let payee = t.payee else { return false }
            let usd = history.rates.usd(t.amount, asOf: history.lastSeq)
            included[t.seq] = (payee, t.amount, usd)
            all.add(t.amount, usd: usd)
            payees[payee, default: Payee()].seqs.insert(t.seq)
            payees[payee]!.total.add(t.amount, usd: usd)
            return true
        }

        mutating func exclude(_ seq: Int64) -> Bool {
            guard let (payee, amount, usd) = included.removeValue(forKey: seq) else { return false }
            all.remove(amount, usd: usd)
            payees[payee]!.seqs.remove(seq)
            payees[payee]!.total.remove(amount, usd: usd)
            if payees[payee]!.seqs.isEmpty { payees[payee] = nil }
            return true
        }

        mutating func rerate(_ currencies: Set<CurrencyCode>, in history: ProjectHistory) -> Bool {
            for (seq, entry) in included where currencies.contains(entry.amount.currency) {
                let usd = history.rates.usd(entry.amount, asOf: history.lastSeq)
                all.remove(entry.amount, usd: entry.usd)
                all.add(entry.amount, usd: usd)
                payees[entry.payee]!.total.remove(entry.amount, usd: entry.usd)
                payees[entry.payee]!.total.add(entry.amount, usd: usd)
                included[seq]!.usd = usd
            }
            return true
        }

        func hits(in history: ProjectHistory) -> [RuleHit] {
            // As `evaluate`: in a project paying in several currencies every sum is in USD.
            let mixed = all.isMixed
            guard payees.count >= minimum, let total = mixed ? all.usdTotal : all.total, total.tenThousandths > 0 else { return [] }
            return payees.compactMap { payee, own in
                guard let sum = mixed ? own.total.usdTotal : own.total.total, sum.currency == total.currency,
                      sum.tenThousandths * 10_000 > share * total.tenThousandths else { return nil }
                let percent = Int(sum.tenThousandths * 100 / total.tenThousandths)
                return RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project), evidence: own.seqs.values,
                               amount: sum, score: min(100, percent),
                               explanation: "\(payee) received \(percent) % of the project's expenditure (\(sum) of \(total)) among \(payees.count) payees.")
            }
        }
    }
}
