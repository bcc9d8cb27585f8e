import ODA

extension BackDatedEntries: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var judgement = Running(limit: parameters["maximumLagDays"] ?? 90)
        judgement.include(all: history)
        return judgement
    }

    /// Per user, the seqs, running total and largest lag of the transactions they recorded late
    /// (reversed or not, as `evaluate` counts them): an append adds to one user.
    struct Running: TransactionJudgement {
        let limit: Int64
        var users: [String: (seqs: [Int64], total: RunningTotal, worst: Int64)] = [:]

        var outOfRange: Bool { users.values.contains { $0.total.outOfRange } }

        var revision = 0

        mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool {
            guard let date = t.date, !t.actor.hasPrefix(BackDatedEntries.importAccountPrefix) else { return false }
            let lag = t.recordedDay - (t.day ?? days(date))
            guard lag > limit else { return false }
            users[t.actor, default: ([], RunningTotal(), lag)].seqs.append(t.seq)
            users[t.actor]!.total.add(t.amount, usd: history.rates.usd(t.amount, asOf: history.lastSeq))
            users[t.actor]!.worst = max(users[t.actor]!.worst, lag)
            return true
        }

        /// A reversed transaction still counts: it was recorded late.
        mutating func exclude(_ seq: Int64) -> Bool { false }

        func hits(in history: ProjectHistory) -> [RuleHit] {
            users.keys.sorted().map { user in
                let entries = users[user]!
                return RuleHit(subject: Subject(kind: .user, name: user, project: history.project), evidence: entries.seqs,
                               amount: entries.total.total, score: min(100, 40 + Int(entries.worst / 30) * 5),
                               explanation: "\(user) recorded \(entries.seqs.count) transaction(s) up to \(entries.worst) days after their date "
                                   + "(allowed: \(limit)).")
            }
        }
    }
}
