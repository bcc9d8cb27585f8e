import CanonicalJSON
import EventLog
import ODA

/// One project's events, read into the facts the rules need. Built fresh from the events every
/// time, so nothing in it depends on how the events were batched.
public struct ProjectHistory: Sendable {
    /// A commitment, disbursement, expenditure or counterpart contribution.
    public struct Transaction: Sendable, Hashable {
        public enum Kind: String, Sendable { case commitment, disbursement, expenditure, counterpart }
        public let seq: Int64
        public let kind: Kind
        public let date: CalendarDate?
        public let amount: Amount
        public let payee: String?
        public let actor: String
        public let recordedAt: Timestamp
        /// Whether a later `TransactionReversed` cancelled it.
        public var reversed: Bool
    }

    /// An `AnnualBudgetPlanned` or `AnnualBudgetRevised`.
    public struct BudgetChange: Sendable, Hashable {
        public let seq: Int64
        public let line: String
        public let periodStart: String
        public let periodEnd: String?
        public let amount: Amount
        public let isRevision: Bool
    }

    public let project: String
    public let rates: RateBook
    public let settings: RuleSettings
    /// Every event of the project's stream, in seq order.
    public let events: [EventEnvelope]
    public private(set) var transactions: [Transaction] = []
    public private(set) var budgetChanges: [BudgetChange] = []
    /// `TransactionReversed` events: (seq, reversed seq).
    public private(set) var reversals: [(seq: Int64, reversed: Int64)] = []
    public private(set) var approvalSeq: Int64?
    public private(set) var window: (start: CalendarDate, end: CalendarDate)?

    public init(project: String, events: [EventEnvelope], rates: RateBook, settings: RuleSettings = RuleSettings()) {
        self.project = project
        self.events = events
        self.rates = rates
        self.settings = settings
        for e in events { read(e) }
        let reversedSeqs = Set(reversals.map(\.reversed))
        for i in transactions.indices where reversedSeqs.contains(transactions[i].seq) { transactions[i].reversed = true }
    }

    /// The seq of the last event, the point in the ledger this history describes.
    public var lastSeq: Int64 { events.last?.seq ?? 0 }

    private mutating func read(_ e: EventEnvelope) {
        let p = e.payload
        func text(_ key: String) -> String? { p[key]?.stringValue }
        func date(_ key: String) -> CalendarDate? { text(key).flatMap(CalendarDate.init) }
        func amount(_ key: String) -> Amount? { p[key].flatMap { try? Amount(json: $0) } }
        switch e.type {
        case "ProjectProposed":
            if let s = date("plannedStartDate"), let t = date("plannedEndDate") { window = (s, t) }
        case "ProjectDatesRevised":
            if let s = date("startDate"), let t = date("endDate") { window = (s, t) }
        case "ProjectApproved":
            approvalSeq = approvalSeq ?? e.seq
        case "CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded":
            guard let value = amount("amount") else { return }
            let kind: Transaction.Kind = switch e.type {
            case "CommitmentRecorded": .commitment
            case "DisbursementRecorded": .disbursement
            case "ExpenditureRecorded": .expenditure
            default: .counterpart
            }
            transactions.append(Transaction(
                seq: e.seq, kind: kind, date: date("date"), amount: value, payee: text("payee") ?? text("receiver"),
                actor: e.actor.id, recordedAt: e.recordedAt, reversed: false))
        case "AnnualBudgetPlanned", "AnnualBudgetRevised":
            let revision = e.type == "AnnualBudgetRevised"
            guard let line = text("budgetLineId"), let start = text("periodStart"),
                  let value = amount(revision ? "newAmount" : "amount") else { return }
            budgetChanges.append(BudgetChange(seq: e.seq, line: line, periodStart: start, periodEnd: text("periodEnd"),
                                              amount: value, isRevision: revision))
        case "TransactionReversed":
            if case let .integer(n)? = p["reversedSeq"] { reversals.append((e.seq, n)) }
        default:
            break
        }
    }

    /// The transactions of `kind` still in force (not reversed).
    public func live(_ kind: Transaction.Kind) -> [Transaction] {
        transactions.filter { $0.kind == kind && !$0.reversed }
    }

    /// The sum of `amounts` in one currency: their own when they share one, else USD converted at
    /// `seq`. Nil when they are empty or a needed rate was never recorded.
    public func total(_ amounts: [Amount], asOf seq: Int64) -> Amount? {
        guard let first = amounts.first else { return nil }
        if amounts.allSatisfy({ $0.currency == first.currency }) {
            return try? amounts.dropFirst().reduce(first) { try $0.adding($1) }
        }
        var sum = Amount.zero(.usd)
        for a in amounts {
            guard let usd = rates.usd(a, asOf: seq), let next = try? sum.adding(usd) else { return nil }
            sum = next
        }
        return sum
    }
}
