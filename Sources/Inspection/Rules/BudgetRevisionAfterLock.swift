import EventLog
import ODA

/// A budget figure rewritten after the fact: a revision of a period that had been closed (locked
/// at year-end and then reopened), or, after the project's approval, a material revision recorded
/// once the period was already over. Both change a figure that reports and audits have relied on,
/// typically to make spending that already happened fit its budget.
///
/// Version 2 leaves ordinary mid-year reviews alone: version 1 flagged every revision after
/// `ProjectApproved`, so every approved project with a mid-year review raised a lead (noise), and
/// its "locked" case could never fire because the validator refuses revisions of a locked period.
/// A version 1 flag keeps its version and parameters (`lockedScore`, `approvedScore`), which
/// explain it.
public struct BudgetRevisionAfterLock: Rule {
    public let id = "budget-revision-after-approval-or-lock"
    public let version = 2
    public let name = "Budget revision after approval or lock"
    public let rationale = "A budget figure rewritten after its period was closed, or after the period was over, is made to fit what was already spent."
    public let severity = Severity.medium
    public let parameters = [
        RuleParameter("reopenedScore", 75, "score of a revision of a period that had been locked and was reopened"),
        RuleParameter("sameUserScore", 95, "score when the reopening was approved by the user who records the revision"),
        RuleParameter("lateScore", 60, "score of a material revision recorded after the period ended"),
        RuleParameter("graceDays", 0, "days after the period's end before a revision counts as late"),
        RuleParameter("materialityBasisPoints", 1000, "change of the figure a late revision must reach (1000 = 10 %)"),
    ]

    /// Budget events and the approval are all it reads (each revision's own recording time, not
    /// the project's clock), so a transaction never re-runs it.
    /// A hit's amount is a revision's change, as recorded: no rate is read.
    public let inputs = RuleInputs(kinds: [.budgetPlanned, .budgetRevised, .periodLocked, .reopenApproved, .approval], rates: .none)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let reopenedScore = Int(parameters["reopenedScore"] ?? 75), sameUserScore = Int(parameters["sameUserScore"] ?? 95)
        let lateScore = Int(parameters["lateScore"] ?? 60), graceDays = parameters["graceDays"] ?? 0
        let materiality = Int128(parameters["materialityBasisPoints"] ?? 1000)
        // Per line and period: its end (from the plan), current figure, whether it was ever locked,
        // and the reopening in force (seq and approver).
        var ends: [String: CalendarDate] = [:], figures: [String: Amount] = [:]
        var everLocked: Set<String> = [], reopenings: [String: (seq: Int64, actor: String)] = [:]
        var hits: [RuleHit] = []
        for e in history.budgetEvents {
            let key = "\(e.line ?? "")|\(e.period ?? "")"
            switch e.kind {
            case .budgetPlanned:
                if let end = e.periodEnd.flatMap(CalendarDate.init) { ends[key] = end }
                if let amount = e.amount { figures[key] = amount }
            case .periodLocked:
                everLocked.insert(key)
                reopenings[key] = nil
            case .reopenApproved:
                reopenings[key] = (e.seq, e.actor)
            case .budgetRevised:
                let previous = figures[key]
                if let amount = e.amount { figures[key] = amount }
                let line = e.line ?? "?", period = e.period ?? "?"
                let subject = Subject(kind: .budgetLine, name: line, project: history.project)
                let change = Self.change(from: previous, to: e.amount)
                if everLocked.contains(key) {
                    let reopening = reopenings[key]
                    let sameUser = reopening?.actor == e.actor
                    let by = reopening.map { sameUser ? "reopened by \($0.actor), who also recorded the revision" : "reopened by \($0.actor)" }
                        ?? "reopened"
                    hits.append(RuleHit(
                        subject: subject, evidence: ([reopening?.seq].compactMap { $0 } + [e.seq]).sorted(), amount: change?.delta,
                        score: sameUser ? sameUserScore : reopenedScore,
                        explanation: "Budget line \(line) for the period from \(period) was revised\(change.map { " (\($0.text))" } ?? "") "
                            + "after the period had been locked and was \(by)."))
                } else if let approval = history.approvalSeq, approval < e.seq, let end = ends[key],
                          Self.vientianeDay(e.recordedAt) > days(end) + graceDays,
                          let change, let before = previous, before.tenThousandths > 0,
                          abs(change.delta.tenThousandths) * 10_000 >= materiality * before.tenThousandths {
                    hits.append(RuleHit(
                        subject: subject, evidence: [approval, e.seq], amount: change.delta, score: lateScore,
                        explanation: "Budget line \(line) for the period from \(period) to \(end) was revised (\(change.text)) "
                            + "after the period had ended, once its money was spent."))
                }
            default: break
            }
        }
        return hits
    }

    /// The difference between two figures of one currency and a sentence part saying it.
    static func change(from previous: Amount?, to new: Amount?) -> (delta: Amount, text: String)? {
        guard let previous, let new, previous.currency == new.currency,
              let delta = try? new.subtracting(previous) else { return nil }
        let percent = previous.tenThousandths == 0 ? "" : ", \(delta.tenThousandths >= 0 ? "+" : "")\(delta.tenThousandths * 100 / previous.tenThousandths) %"
        return (delta, "\(previous) to \(new)\(percent)")
    }

    /// The calendar day in Vientiane (UTC+7), as days since 1970-01-01, of a recording time.
    static func vientianeDay(_ time: Timestamp) -> Int64 {
        let seconds = time.microsecondsSinceEpoch / 1_000_000 + OffHoursPostings.offsetSeconds
        return seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    }
}
