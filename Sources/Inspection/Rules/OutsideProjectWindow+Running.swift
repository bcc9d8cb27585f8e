import ODA

extension OutsideProjectWindow: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var judgement = Running(window: history.window, grace: parameters["graceDays"] ?? 0)
        judgement.include(all: history)
        return judgement
    }

    /// The seqs and running total of the live transactions dated outside the window (a new
    /// window builds the judgement again): an append tests its own date only.
    struct Running: TransactionJudgement {
        let window: (start: CalendarDate, end: CalendarDate)?
        let grace: Int64
        var seqs = SortedSeqs()
        var total = RunningTotal()
        var included: [Int64: (amount: Amount, usd: Amount?, date: CalendarDate)] = [:]

        var outOfRange: Bool { total.outOfRange }

        var revision = 0

        mutating func apply(_ fact: ProjectFact, in history: ProjectHistory) -> Bool {
            guard fact.kind != .window else { return false }
            applyTransaction(fact, in: history)
            return true
        }

        mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool {
            guard let window, !t.reversed, t.kind != .commitment, let day = t.day, let date = t.date else { return false }
            guard day < days(window.start) - grace || day > days(window.end) + grace else { return false }
            let usd = history.rates.usd(t.amount, asOf: history.lastSeq)
            included[t.seq] = (t.amount, usd, date)
            seqs.insert(t.seq)
            total.add(t.amount, usd: usd)
            return true
        }

        mutating func exclude(_ seq: Int64) -> Bool {
            guard let (amount, usd, _) = included.removeValue(forKey: seq) else { return false }
            seqs.remove(seq)
            total.remove(amount, usd: usd)
            return true
        }

        func hits(in history: ProjectHistory) -> [RuleHit] {
            guard let window, let first = seqs.values.first, let date = included[first]?.date else { return [] }
            return [RuleHit(subject: .project(history.project), evidence: seqs.values, amount: total.total,
                            score: min(100, 40 + 10 * seqs.count),
                            explanation: "\(seqs.count) transaction(s), the first dated \(date), fall outside the project "
                                + "window \(window.start) to \(window.end).")]
        }
    }
}
