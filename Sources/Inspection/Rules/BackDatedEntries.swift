import EventLog
import ODA

/// An entry recorded long after the date it claims was either forgotten or written to fit;
/// the chain fixes `recordedAt`, so the gap is a fact.
///
/// Version 2 leaves out entries recorded by an import account (`importer:` ids, the default of
/// `oda-ledger import`): a partner's published history is late by nature, and flagging every
/// imported transaction buried the entries people typed late.
public struct BackDatedEntries: Rule {
    public let id = "back-dated-entries"
    public let version = 2
    public let name = "Back-dated entries"
    public let rationale = "Transactions recorded long after their business date escape the controls of their period."
    public let severity = Severity.medium
    public let parameters = [RuleParameter("maximumLagDays", 90, "days between the business date and recording allowed")]

    public let inputs: RuleInputs = .transactions(RuleInputs.allTransactions, scope: .user)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let limit = parameters["maximumLagDays"] ?? 90
        let late = history.transactions.filter { t in
            guard let date = t.date, !t.actor.hasPrefix(Self.importAccountPrefix) else { return false }
            return lag(t, date) > limit
        }
        let byUser = Dictionary(grouping: late, by: \.actor)
        return byUser.keys.sorted().map { user in
            let entries = byUser[user]!
            let worst = entries.map { lag($0, $0.date!) }.max()!
            return RuleHit(subject: Subject(kind: .user, name: user, project: history.project), evidence: entries.map(\.seq),
                           amount: history.total(entries.map(\.amount), asOf: history.lastSeq),
                           score: min(100, 40 + Int(worst / 30) * 5),
                           explanation: "\(user) recorded \(entries.count) transaction(s) up to \(worst) days after their date "
                               + "(allowed: \(limit)).")
        }
    }

    /// The id prefix of the accounts imports are recorded under.
    public static let importAccountPrefix = "importer:"

    private func lag(_ t: ProjectHistory.Transaction, _ date: CalendarDate) -> Int64 {
        t.recordedDay - (t.day ?? days(date))
    }
}
