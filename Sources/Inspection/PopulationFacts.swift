import CanonicalJSON
import EventLog
import ODA

/// The whole portfolio read up to one seq, into the facts population rules need: each project's
/// partner, implementing agency, sector working group, provinces, live payments and current
/// annual budgets, plus the exchange rates and rule settings recorded by then. Built from the
/// events alone, so the same seq always gives the same facts.
public struct PopulationFacts: Sendable {
    /// A disbursement or expenditure still in force (not reversed).
    public struct Payment: Sendable, Hashable {
        public enum Kind: String, Sendable { case disbursement, expenditure }
        public let seq: Int64
        public let kind: Kind
        public let date: CalendarDate?
        public let amount: Amount
        /// The expenditure's payee or the disbursement's receiver.
        public let payee: String?
    }

    /// One budget line's period with its current figure and the events that set it.
    public struct BudgetFigure: Sendable, Hashable {
        public let line: String
        public let periodStart: CalendarDate
        public let amount: Amount
        public let seqs: [Int64]
    }

    public struct Project: Sendable {
        public let id: String
        public fileprivate(set) var partner: String?
        public fileprivate(set) var implementingAgency: String?
        public fileprivate(set) var sectorWorkingGroup: String?
        /// The provinces of the latest location allocation, sorted.
        public fileprivate(set) var provinces: [String] = []
        /// Live payments in seq order.
        public fileprivate(set) var payments: [Payment] = []
        /// Current figures keyed by budget line and period start.
        public fileprivate(set) var budgets: [String: BudgetFigure] = [:]
    }

    /// The last seq the facts include.
    public let throughSeq: Int64
    public private(set) var projects: [String: Project] = [:]
    public private(set) var rates = RateBook()
    private var settings = RuleSettings()

    /// Empty facts, to be fed with `add` in seq order.
    public init(throughSeq: Int64) {
        self.throughSeq = throughSeq
    }

    /// Reads `events` (in seq order), ignoring any after `throughSeq`.
    public init<S: Sequence>(events: S, throughSeq: Int64) where S.Element == EventEnvelope {
        self.init(throughSeq: throughSeq)
        for e in events { add(e) }
    }

    /// Reads the events of `store` up to `throughSeq` (default: the head), from one snapshot.
    public init(store: EventStore, throughSeq: Int64? = nil) throws {
        let bound = try throughSeq ?? store.head().seq
        self = try store.withProjectionSnapshot { try PopulationFacts(database: $0, throughSeq: bound) }
    }

    /// The event types the facts are made of; the others are not even read.
    static let types = ["ProjectProposed", "LocationAllocationRevised", "DisbursementRecorded", "ExpenditureRecorded",
                        "AnnualBudgetPlanned", "AnnualBudgetRevised", "TransactionReversed", "ExchangeRateRecorded", "RuleConfigured"]

    /// Reads the events up to `throughSeq` from the ledger's own tables, inside whatever
    /// transaction or snapshot `database` is in (the projector's append, or a reader's snapshot).
    init(database: ProjectionDatabase, throughSeq: Int64) throws {
        self.init(throughSeq: throughSeq)
        let placeholders = Self.types.indices.map { "?\($0 + 2)" }.joined(separator: ", ")
        var facts = self
        try database.query("SELECT body FROM events WHERE seq <= ?1 AND type IN (\(placeholders)) ORDER BY seq",
                           [.integer(throughSeq)] + Self.types.map { .text($0) }) { row in
            facts.add(try EventEnvelope(canonicalBytes: row.blob(at: 0)))
        }
        self = facts
    }

    /// Project ids, sorted: the order every rule iterates in, so results never depend on hashing.
    public var projectIDs: [String] { projects.keys.sorted() }

    /// `amount` in USD with the latest rate recorded by `throughSeq`; nil without one.
    public func usd(_ amount: Amount) -> Amount? { rates.usd(amount, asOf: throughSeq) }

    /// The sum in USD of `amounts`; nil when one of them has no rate.
    public func usdTotal<S: Sequence>(_ amounts: S) -> Amount? where S.Element == Amount {
        var sum = Amount.zero(.usd)
        for a in amounts {
            guard let usd = usd(a), let next = try? sum.adding(usd) else { return nil }
            sum = next
        }
        return sum
    }

    /// `rule`'s defaults overridden, in order, by every `RuleConfigured` for it recorded by
    /// `throughSeq`; names the rule does not have are ignored.
    public func parameters(for rule: any PopulationRule) -> [String: Int64] {
        settings.parameters(for: rule, asOf: throughSeq)
    }

    /// Reads one event; events must come in seq order, and those after `throughSeq` are ignored.
    public mutating func add(_ e: EventEnvelope) {
        guard e.seq <= throughSeq else { return }
        rates.record(e)
        let p = e.payload
        func text(_ key: String) -> String? { p[key]?.stringValue }
        func amount(_ key: String) -> Amount? { p[key].flatMap { try? Amount(json: $0) } }
        if settings.record(e) != nil { return }
        guard e.stream.hasPrefix("project:") else { return }
        let id = String(e.stream.dropFirst("project:".count))
        if projects[id] == nil { projects[id] = Project(id: id) }
        switch e.type {
        case "ProjectProposed":
            projects[id]!.partner = text("developmentPartner")
            projects[id]!.implementingAgency = text("implementingAgency")
            projects[id]!.sectorWorkingGroup = text("sectorWorkingGroup")
        case "LocationAllocationRevised":
            projects[id]!.provinces = (p["allocations"]?.arrayValue ?? []).compactMap { $0.objectValue?["province"]?.stringValue }.sorted()
        case "DisbursementRecorded", "ExpenditureRecorded":
            guard let value = amount("amount") else { return }
            projects[id]!.payments.append(Payment(
                seq: e.seq, kind: e.type == "DisbursementRecorded" ? .disbursement : .expenditure,
                date: text("date").flatMap(CalendarDate.init), amount: value, payee: text("payee") ?? text("receiver")))
        case "AnnualBudgetPlanned", "AnnualBudgetRevised":
            let revision = e.type == "AnnualBudgetRevised"
            guard let line = text("budgetLineId"), let start = text("periodStart").flatMap(CalendarDate.init),
                  let value = amount(revision ? "newAmount" : "amount") else { return }
            let key = line + "\u{0}" + start.description
            let seqs = (projects[id]!.budgets[key]?.seqs ?? []) + [e.seq]
            projects[id]!.budgets[key] = BudgetFigure(line: line, periodStart: start, amount: value, seqs: seqs)
        case "TransactionReversed":
            // A reversal always follows the event it reverses, in the same project.
            if case let .integer(n)? = p["reversedSeq"] { projects[id]!.payments.removeAll { $0.seq == n } }
        default:
            break
        }
    }
}
