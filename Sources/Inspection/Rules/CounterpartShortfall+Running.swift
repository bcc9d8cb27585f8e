import ODA

extension CounterpartShortfall: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var judgement = Running(tolerance: Int128(parameters["shortfallBasisPoints"] ?? 2000))
        judgement.include(all: history)
        judgement.observe(history)
        return judgement
    }

    /// Per fiscal year, the running totals and seqs of its live planned and actual contributions,
    /// and the year of the project's last recording time, which decides the years judged: an
    /// append updates one year, and the hits are worked out again only when a contribution came
    /// or went or a new year began (`evaluate` passed over every contribution on every event).
    struct Running: TransactionJudgement {
        struct Year: Sendable {
            var planned = RunningTotal()
            var actual = RunningTotal()
            var plannedSeqs = SortedSeqs()
            var actualSeqs = SortedSeqs()
        }

        let tolerance: Int128
        var years: [Int64: Year] = [:]
        var included: [Int64: (year: Int64, planned: Bool, amount: Amount, usd: Amount?)] = [:]
        /// The year of the project's last recording time (UTC, as `evaluate` reads it).
        var currentYear: Int64?
        var revision = 0

        var outOfRange: Bool { years.values.contains { $0.planned.outOfRange || $0.actual.outOfRange } }

        mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool {
            guard t.kind == .counterpart, !t.reversed, let year = t.fiscalYear,
                  t.contributionKind == "planned" || t.contributionKind == "actual" else { return false }
            let planned = t.contributionKind == "planned"
            let usd = history.rates.usd(t.amount, asOf: history.lastSeq)
            included[t.seq] = (year, planned, t.amount, usd)
            if planned {
                years[year, default: Year()].planned.add(t.amount, usd: usd)
                years[year]!.plannedSeqs.insert(t.seq)
            } else {
                years[year, default: Year()].actual.add(t.amount, usd: usd)
                years[year]!.actualSeqs.insert(t.seq)
            }
            return true
        }

        mutating func exclude(_ seq: Int64) -> Bool {
            guard let (year, planned, amount, usd) = included.removeValue(forKey: seq) else { return false }
            if planned {
                years[year]!.planned.remove(amount, usd: usd)
                years[year]!.plannedSeqs.remove(seq)
            } else {
                years[year]!.actual.remove(amount, usd: usd)
                years[year]!.actualSeqs.remove(seq)
            }
            if years[year]!.plannedSeqs.isEmpty && years[year]!.actualSeqs.isEmpty { years[year] = nil }
            return true
        }

        mutating func observe(_ history: ProjectHistory) {
            let year = history.lastRecordedAt.flatMap { Int64($0.rfc3339.prefix(4)) }
            if year != currentYear {
                currentYear = year
                revision += 1
            }
        }

        func hits(in history: ProjectHistory) -> [RuleHit] {
            guard let currentYear else { return [] }
            return years.keys.sorted().compactMap { year in
                let contributions = years[year]!
                guard year < currentYear, !contributions.plannedSeqs.isEmpty, let p = contributions.planned.total else { return nil }
                let none = contributions.actualSeqs.isEmpty
                guard let a = none ? Amount.zero(p.currency) : contributions.actual.total, a.currency == p.currency || none,
                      a.tenThousandths * 10_000 < p.tenThousandths * (10_000 - tolerance) else { return nil }
                let gap = (try? p.subtracting(a)) ?? p
                return RuleHit(subject: .project(history.project),
                               evidence: (contributions.plannedSeqs.values + contributions.actualSeqs.values).sorted(), amount: gap,
                               score: 60, explanation: "Counterpart contributions for \(year) reached \(a) against \(p) planned.")
            }
        }
    }
}
