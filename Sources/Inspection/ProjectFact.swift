import CanonicalJSON
import EventLog
import ODA

/// What one project event contributes to the rules, read once from its payload: the compact form
/// the flag projector keeps (in `insp_facts`) so that an append never re-reads and re-parses the
/// project's earlier events. `ProjectHistory` is a fold of these facts; a full evaluation folds
/// the facts of the same events, which is what makes both paths give the same flags.
///
/// Only events some rule looks at give a fact; every project event still moves the project's
/// last seq and last recording time (`ProjectHistory.note`).
public struct ProjectFact: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case commitment, disbursement, expenditure, counterpart
        case budgetPlanned = "budget-planned", budgetRevised = "budget-revised"
        case periodLocked = "period-locked", reopenApproved = "reopen-approved"
        case approval, reversal, window
    }

    public let seq: Int64
    public let kind: Kind
    public let actor: String
    public let recordedAt: Timestamp
    /// The business date of a transaction, as recorded (`date`).
    public let date: String?
    /// A transaction's `amount`, a planned budget's `amount`, a revision's `newAmount`.
    public let amount: Amount?
    /// A transaction's payee (`payee`, else `receiver`).
    public let party: String?
    /// An expenditure's `invoiceNumber`; a counterpart contribution's `kind` (planned or actual).
    public let reference: String?
    /// A budget event's `budgetLineId`.
    public let line: String?
    /// A budget event's `periodStart`; the start date of a project window.
    public let period: String?
    /// A planned budget's `periodEnd`; the end date of a project window.
    public let periodEnd: String?
    /// A counterpart contribution's `fiscalYear`; the seq a reversal names; 1 for a self-approval.
    public let number: Int64?

    public init(seq: Int64, kind: Kind, actor: String, recordedAt: Timestamp, date: String? = nil, amount: Amount? = nil,
                party: String? = nil, reference: String? = nil, line: String? = nil, period: String? = nil,
                periodEnd: String? = nil, number: Int64? = nil) {
        self.seq = seq
        self.kind = kind
        self.actor = actor
        self.recordedAt = recordedAt
        self.date = date
        self.amount = amount
        self.party = party
        self.reference = reference
        self.line = line
        self.period = period
        self.periodEnd = periodEnd
        self.number = number
    }

    /// The fact a project event gives, or nil when no rule looks at events of its type (or a
    /// transaction has no readable amount, which no rule could weigh).
    public init?(_ e: EventEnvelope) {
        let p = e.payload
        func text(_ key: String) -> String? { p[key]?.stringValue }
        func amount(_ key: String) -> Amount? { p[key].flatMap { try? Amount(json: $0) } }
        func integer(_ key: String) -> Int64? { if case let .integer(n)? = p[key] { n } else { nil } }
        let base = (seq: e.seq, actor: e.actor.id, recordedAt: e.recordedAt)
        switch e.type {
        case "ProjectProposed", "ProjectDatesRevised":
            let keys = e.type == "ProjectProposed" ? ("plannedStartDate", "plannedEndDate") : ("startDate", "endDate")
            guard let start = text(keys.0), CalendarDate(start) != nil, let end = text(keys.1), CalendarDate(end) != nil else { return nil }
            self.init(seq: base.seq, kind: .window, actor: base.actor, recordedAt: base.recordedAt, period: start, periodEnd: end)
        case "ProjectApproved":
            self.init(seq: base.seq, kind: .approval, actor: base.actor, recordedAt: base.recordedAt,
                      number: p["selfApproved"] == .bool(true) ? 1 : 0)
        case "CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded":
            guard let value = amount("amount") else { return nil }
            let kind: Kind = switch e.type {
            case "CommitmentRecorded": .commitment
            case "DisbursementRecorded": .disbursement
            case "ExpenditureRecorded": .expenditure
            default: .counterpart
            }
            self.init(seq: base.seq, kind: kind, actor: base.actor, recordedAt: base.recordedAt, date: text("date"), amount: value,
                      party: text("payee") ?? text("receiver"),
                      reference: kind == .expenditure ? text("invoiceNumber") : kind == .counterpart ? text("kind") : nil,
                      number: kind == .counterpart ? integer("fiscalYear") : nil)
        case "AnnualBudgetPlanned", "AnnualBudgetRevised":
            let revision = e.type == "AnnualBudgetRevised"
            self.init(seq: base.seq, kind: revision ? .budgetRevised : .budgetPlanned, actor: base.actor, recordedAt: base.recordedAt,
                      amount: amount(revision ? "newAmount" : "amount"), line: text("budgetLineId"), period: text("periodStart"),
                      periodEnd: text("periodEnd"))
        case "BudgetPeriodLocked", "BudgetReopenApproved":
            self.init(seq: base.seq, kind: e.type == "BudgetPeriodLocked" ? .periodLocked : .reopenApproved, actor: base.actor,
                      recordedAt: base.recordedAt, line: text("budgetLineId"), period: text("periodStart"))
        case "TransactionReversed":
            guard let reversed = integer("reversedSeq") else { return nil }
            self.init(seq: base.seq, kind: .reversal, actor: base.actor, recordedAt: base.recordedAt, number: reversed)
        default:
            return nil
        }
    }

    /// Whether the fact is a commitment, disbursement, expenditure or counterpart contribution.
    public var isTransaction: Bool { [.commitment, .disbursement, .expenditure, .counterpart].contains(kind) }
}
