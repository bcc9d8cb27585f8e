import ODA

extension YearEndSpike: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var judgement = Running(share: Int128(parameters["shareBasisPoints"] ?? 4000), minimum: Int(parameters["minimumPayments"] ?? 5))
        judgement.include(all: history)
        return judgement
    }

    /// Per year of the business date, the running total of its live expenditures and of those
    /// dated in December, with December's seqs: an append updates one year, and changes the hits
    /// only when that year has December payments.
    struct Running: TransactionJudgement {
        struct Year: Sendable {
            var all = RunningTotal()
            var december = RunningTotal()
            var decemberSeqs = SortedSeqs()
        }

        let share: Int128
        let minimum: Int
        var years: [Int: Year] = [:]
        var included: [Int64: (year: Int, december: Bool, amount: Amount, usd: Amount?)] = [:]

        var outOfRange: Bool { years.values.contains { $0.all.outOfRange || $0.december.outOfRange } }

        var revision = 0

        mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool {
            guard t.kind == .expenditure, !t.reversed, let date = t.date else { return false }
            let usd = history.rates.usd(t.amount, asOf: history.lastSeq)
            let december = date.month == 12
            included[t.seq] = (date.year, december, t.amount, usd)
            years[date.year, default: Year()].all.add(t.amount, usd: usd)
            if december {
                years[date.year]!.december.add(t.amount, usd: usd)
                years[date.year]!.decemberSeqs.insert(t.seq)
            }
            // A year without December payments gives no hit, before this payment as after it.
            return !years[date.year]!.decemberSeqs.isEmpty
        }

        mutating func exclude(_ seq: Int64) -> Bool {
            guard let (year, december, amount, usd) = included.removeValue(forKey: seq) else { return false }
            years[year]!.all.remove(amount, usd: usd)
            if december {
                years[year]!.december.remove(amount, usd: usd)
                years[year]!.decemberSeqs.remove(seq)
            }
            let changed = december || !years[year]!.decemberSeqs.isEmpty
            if years[year]!.all.count == 0 { years[year] = nil }
            return changed
        }

        mutating func rerate(_ currencies: Set<CurrencyCode>, in history: ProjectHistory) -> Bool {
            for (seq, entry) in included where currencies.contains(entry.amount.currency) {
                let usd = history.rates.usd(entry.amount, asOf: history.lastSeq)
                years[entry.year]!.all.remove(entry.amount, usd: entry.usd)
                years[entry.year]!.all.add(entry.amount, usd: usd)
                if entry.december {
                    years[entry.year]!.december.remove(entry.amount, usd: entry.usd)
                    years[entry.year]!.december.add(entry.amount, usd: usd)
                }
                included[seq]!.usd = usd
            }
            return true
        }

        func hits(in history: ProjectHistory) -> [RuleHit] {
            years.keys.sorted().compactMap { year in
                let payments = years[year]!
                guard payments.all.count >= minimum, !payments.decemberSeqs.isEmpty else { return nil }
                // As `evaluate`: a year paid in several currencies compares December's share in USD too.
                guard let total = payments.all.total,
                      let spike = payments.all.isMixed ? payments.december.usdTotal : payments.december.total,
                      spike.currency == total.currency,
                      total.tenThousandths > 0, spike.tenThousandths * 10_000 >= share * total.tenThousandths else { return nil }
                let percent = Int(spike.tenThousandths * 100 / total.tenThousandths)
                return RuleHit(subject: .project(history.project), evidence: payments.decemberSeqs.values, amount: spike,
                               score: min(100, 20 + percent),
                               explanation: "\(percent) % of the \(year) expenditure (\(spike) of \(total)) is dated in December.")
            }
        }
    }
}
