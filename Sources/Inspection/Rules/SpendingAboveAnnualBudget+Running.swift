import ODA

extension SpendingAboveAnnualBudget: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var current: [String: ProjectHistory.BudgetChange] = [:]
        for change in history.budgetChanges { current["\(change.line)|\(change.periodStart)"] = change }
        let byYear = Dictionary(grouping: current.values) { String($0.periodStart.prefix(4)) }
        var judgement = Running(tolerance: Int128(parameters["toleranceBasisPoints"] ?? 0), budgets: byYear.mapValues { lines in
            (seqs: lines.map(\.seq).sorted(), total: history.total(lines.map(\.amount), asOf: history.lastSeq))
        })
        judgement.included.reserveCapacity(history.transactions.count)
        judgement.include(all: history)
        return judgement
    }

    /// The current budget of each year, worked out once (a budget change builds the judgement
    /// again), and per year of the business date the running total and seqs of its live
    /// expenditures: an append updates one year.
    struct Running: TransactionJudgement {
        let tolerance: Int128
        /// Per year (the first four characters of the period's start), the seqs of its current
        /// budget lines, ascending, and their total at the project's last seq.
        let budgets: [String: (seqs: [Int64], total: Amount?)]
        /// Keyed by the year as a number: `String(year)` is how `evaluate` names it, and a
        /// budget's year text matches it exactly when it is that number's decimal form.
        var spent: [Int: (seqs: SortedSeqs, total: RunningTotal)] = [:]
        var included: [Int64: (year: Int, amount: Amount, usd: Amount?)] = [:]

        var outOfRange: Bool { spent.values.contains { $0.total.outOfRange } }

        var revision = 0

        mutating func apply(_ fact: ProjectFact, in history: ProjectHistory) -> Bool {
            guard fact.kind != .budgetPlanned && fact.kind != .budgetRevised else { return false }
            applyTransaction(fact, in: history)
            return true
        }

        mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool {
            guard t.kind == .expenditure, !t.reversed, let date = t.date else { return false }
            let usd = history.rates.usd(t.amount, asOf: history.lastSeq)
            let year = Int(date.year)
            included[t.seq] = (year, t.amount, usd)
            spent[year, default: (SortedSeqs(), RunningTotal())].seqs.insert(t.seq)
            spent[year]!.total.add(t.amount, usd: usd)
            return true
        }

        mutating func exclude(_ seq: Int64) -> Bool {
            guard let (year, amount, usd) = included.removeValue(forKey: seq) else { return false }
            spent[year]!.seqs.remove(seq)
            spent[year]!.total.remove(amount, usd: usd)
            if spent[year]!.seqs.isEmpty { spent[year] = nil }
            return true
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
