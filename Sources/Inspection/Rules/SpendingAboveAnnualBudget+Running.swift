import ODA

extension SpendingAboveAnnualBudget: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var judgement = Running(tolerance: Int128(parameters["toleranceBasisPoints"] ?? 0), budgets: Running.budgets(of: history))
        judgement.included.reserveCapacity(history.transactions.count)
        judgement.include(all: history)
        return judgement
    }

    /// The current budget of each year, worked out again on a budget change (from the project's
    /// few budget lines, leaving the expenditure as it was folded), and per year of the business
    /// date the running total and seqs of its live expenditures: an append updates one year.
    struct Running: TransactionJudgement {
        let tolerance: Int128
        /// Per year (the first four characters of the period's start), the seqs of its current
        /// budget lines, ascending, and their total at the project's last seq (the judgement is
        /// built again when a rate moves that total).
        var budgets: [String: (seqs: [Int64], total: Amount?)]
        /// Keyed by the year as a number: `String(year)` is how `evaluate` names it, and a
        /// budget's year text matches it exactly when it is that number's decimal form.
        var spent: [Int: (seqs: SortedSeqs, total: RunningTotal)] = [:]
        var included: [Int64: (year: Int, amount: Amount, usd: Amount?)] = [:]

        var outOfRange: Bool { spent.values.contains { $0.total.outOfRange } }

        var revision = 0

        mutating func apply(_ fact: ProjectFact, in history: ProjectHistory) -> Bool {
            if fact.kind == .budgetPlanned || fact.kind == .budgetRevised {
                // `history` holds every fact of the batch, so the budgets are those after its
                // last budget change: worked out again at each, they end as `evaluate` sees them.
                budgets = Self.budgets(of: history)
                revision += 1
                return true
            }
            applyTransaction(fact, in: history)
            return true
        }

        /// Per year, the current budget lines' seqs (ascending) and total at the project's last
        /// seq: the last change of each line and period counts, as in `evaluate`.
        static func budgets(of history: ProjectHistory) -> [String: (seqs: [Int64], total: Amount?)] {
            var current: [String: ProjectHistory.BudgetChange] = [:]
            for change in history.budgetChanges { current["\(change.line)|\(change.periodStart)"] = change }
            let byYear = Dictionary(grouping: current.values) { String($0.periodStart.prefix(4)) }
            return byYear.mapValues { lines in
                (seqs: lines.map(\.seq).sorted(), total: history.total(lines.map(\.amount), asOf: history.lastSeq))
            }
        }

        mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool {
            guard t.kind == .expenditure, !t.reversed, let date = t.date else { return false }
            let usd = history.rates.usd(t.amount, asOf: history.lastSeq)
            let year = Int(date.year)
            included[t.seq] = (year, t.amount, usd)
            spent[year, default: (SortedSeqs(), RunningTotal())].seqs.insert(t.seq)
            spent[year]!.total.add(t.amount, usd: usd)
            return hasBudget(year)
        }

        mutating func exclude(_ seq: Int64) -> Bool {
            guard let (year, amount, usd) = included.removeValue(forKey: seq) else { return false }
            spent[year]!.seqs.remove(seq)
            spent[year]!.total.remove(amount, usd: usd)
            if spent[year]!.seqs.isEmpty { spent[year] = nil }
            return hasBudget(year)
        }

        mutating func rerate(_ currencies: Set<CurrencyCode>, in history: ProjectHistory) -> Bool {
            budgets = Self.budgets(of: history)
            for (seq, entry) in included where currencies.contains(entry.amount.currency) {
                let usd = history.rates.usd(entry.amount, asOf: history.lastSeq)
                spent[entry.year]!.total.remove(entry.amount, usd: entry.usd)
                spent[entry.year]!.total.add(entry.amount, usd: usd)
                included[seq]!.usd = usd
            }
            return true
        }

        /// Whether `year` has a budget a hit can name: spending in any other year is in no hit
        /// (a budget change works the hits out again).
        private func hasBudget(_ year: Int) -> Bool {
            budgets[String(year)] != nil
        }

        func hits(in history: ProjectHistory) -> [RuleHit] {
            budgets.keys.sorted().compactMap { year in
                let lines = budgets[year]!
                guard let number = Int(year), String(number) == year, let spent = spent[number], let budget = lines.total,
                      let total = spent.total.total else { return nil }
                let budgetInTotal: Amount? = budget.currency == total.currency ? budget
                    : total.currency == .usd ? history.rates.usd(budget, asOf: history.lastSeq) : nil
                guard let b = budgetInTotal, total.tenThousandths * 10_000 > b.tenThousandths * (10_000 + tolerance) else { return nil }
                let excess = (try? total.subtracting(b)) ?? total
                return RuleHit(subject: .project(history.project),
                               evidence: RuleEngine.union(lines.seqs, spent.seqs.values), amount: excess, score: 70,
                               explanation: "Expenditure dated \(year) totals \(total), above the current \(year) budget of \(b).")
            }
        }
    }
}
