import ODA

extension OffHoursPostings: RunningRule {
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement {
        var judgement = Running(start: parameters["workdayStartHour"] ?? 7, end: parameters["workdayEndHour"] ?? 18)
        judgement.include(all: history)
        return judgement
    }

    /// Per user, the seqs and running total of the transactions they recorded off hours
    /// (reversed or not, as `evaluate` counts them): an append adds to one user.
    struct Running: TransactionJudgement {
        let start: Int64, end: Int64
        var users: [String: (seqs: [Int64], total: RunningTotal)] = [:]

        var outOfRange: Bool { users.values.contains { $0.total.outOfRange } }

        var revision = 0

        mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool {
            let local = t.postedLocally
            guard !(local.workday && local.hour >= start && local.hour < end) else { return false }
            users[t.actor, default: ([], RunningTotal())].seqs.append(t.seq)
            users[t.actor]!.total.add(t.amount, usd: history.rates.usd(t.amount, asOf: history.lastSeq))
            return true
        }

        /// A reversed transaction still counts: the posting was made off hours.
        mutating func exclude(_ seq: Int64) -> Bool { false }

        func hits(in history: ProjectHistory) -> [RuleHit] {
            users.keys.sorted().map { user in
                let entries = users[user]!
                return RuleHit(subject: Subject(kind: .user, name: user, project: history.project), evidence: entries.seqs,
                               amount: entries.total.total, score: min(100, 20 + 10 * entries.seqs.count),
                               explanation: "\(user) recorded \(entries.seqs.count) transaction(s) outside working hours "
                                   + "(\(start):00–\(end):00 Monday to Friday except public holidays, Vientiane time).")
            }
        }
    }
}
