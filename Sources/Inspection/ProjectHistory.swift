import CanonicalJSON
import EventLog
import ODA

/// One project's events, folded into the facts the rules need. A pure fold: the history after a
/// sequence of events is the same whether they arrived one by one, in batches, or were read back
/// from the stored facts (`FactTable`), so incremental and full evaluation see the same input.
public struct ProjectHistory: Sendable {
    /// A commitment, disbursement, expenditure or counterpart contribution. Its recorded fields
    /// sit in one shared immutable box, so the rules' filters and groupings copy a reference and
    /// a flag rather than every field.
    public struct Transaction: Sendable, Hashable {
        public enum Kind: String, Sendable { case commitment, disbursement, expenditure, counterpart }

        /// Stored compactly (a full evaluation holds one per transaction of the ledger): an
        /// expenditure's invoice and a counterpart contribution's kind share `reference`, the
        /// date is kept once as `CalendarDate` and as a day number, and the Vientiane posting
        /// time and the recording day are small numbers.
        final class Fields: Sendable {
            let seq: Int64
            let recordedAt: Timestamp
            let amount: Amount
            /// Meaningful only when `hasDate`.
            let calendarDate: CalendarDate
            let payee: String?
            let actor: String
            /// The invoice of an expenditure, the contribution kind of a counterpart contribution.
            let reference: String?
            /// Meaningful only when `hasFiscalYear`.
            let fiscalYearValue: Int64
            /// `date` in days since 1970-01-01 (meaningful only when `hasDate`).
            let dayNumber: Int32
            let payeeKey: Int32
            let kind: Kind
            let hasDate: Bool
            let hasFiscalYear: Bool
            let postedOnWorkday: Bool
            let postedHour: Int8

            init(seq: Int64, kind: Kind, date: CalendarDate?, amount: Amount, payee: String?, payeeKey: Int, actor: String,
                 recordedAt: Timestamp, reference: String?, fiscalYear: Int64?) {
                self.seq = seq
                self.kind = kind
                self.amount = amount
                self.payee = payee
                self.payeeKey = Int32(payeeKey)
                self.actor = actor
                self.recordedAt = recordedAt
                self.reference = kind == .expenditure || kind == .counterpart ? reference : nil
                self.hasFiscalYear = kind == .counterpart && fiscalYear != nil
                self.fiscalYearValue = kind == .counterpart ? fiscalYear ?? 0 : 0
                self.hasDate = date != nil
                // A `CalendarDate` holds a year of at most four digits, so its day number fits 32 bits.
                self.calendarDate = date ?? Self.epoch
                self.dayNumber = Int32(date.map(days) ?? 0)
                let local = OffHoursPostings.localTime(recordedAt)
                self.postedOnWorkday = local.workday
                self.postedHour = Int8(local.hour)
            }

            private static let epoch = CalendarDate(year: 1970, month: 1, day: 1)!
        }

        private let fields: Fields
        /// Whether a `TransactionReversed` cancelled it.
        public var reversed: Bool
        /// Kept beside the box as well (in what would be padding): rules filter by kind, and
        /// this spares them a visit to every transaction's box.
        public let kind: Kind

        init(_ fields: Fields, reversed: Bool) {
            self.fields = fields
            self.reversed = reversed
            self.kind = fields.kind
        }

        public var seq: Int64 { fields.seq }
        public var date: CalendarDate? { fields.hasDate ? fields.calendarDate : nil }
        public var amount: Amount { fields.amount }
        public var payee: String? { fields.payee }
        /// A small integer standing for the payee within this history (equal payees, equal keys;
        /// -1 without a payee): rules group payments by it without hashing names every time.
        public var payeeKey: Int { Int(fields.payeeKey) }
        public var actor: String { fields.actor }
        public var recordedAt: Timestamp { fields.recordedAt }
        /// An expenditure's invoice number.
        public var invoice: String? { fields.kind == .expenditure ? fields.reference : nil }
        /// A counterpart contribution's kind (`planned` or `actual`) and fiscal year.
        public var contributionKind: String? { fields.kind == .counterpart ? fields.reference : nil }
        public var fiscalYear: Int64? { fields.hasFiscalYear ? fields.fiscalYearValue : nil }
        /// `date` in days since 1970-01-01.
        public var day: Int64? { fields.hasDate ? Int64(fields.dayNumber) : nil }
        /// The recording time's hour in Vientiane and whether its day is a working day there.
        public var postedLocally: (workday: Bool, hour: Int64) { (fields.postedOnWorkday, Int64(fields.postedHour)) }
        /// The recording time in whole days since 1970-01-01 (UTC), as back-dating is measured.
        public var recordedDay: Int64 { fields.recordedAt.microsecondsSinceEpoch / 86_400_000_000 }

        public static func == (a: Transaction, b: Transaction) -> Bool {
            guard a.reversed == b.reversed else { return false }
            if a.fields === b.fields { return true }
            return a.seq == b.seq && a.kind == b.kind && a.date == b.date && a.amount == b.amount && a.payee == b.payee
                && a.actor == b.actor && a.recordedAt == b.recordedAt && a.invoice == b.invoice
                && a.contributionKind == b.contributionKind && a.fiscalYear == b.fiscalYear
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(seq)
            hasher.combine(reversed)
        }
    }

    /// An `AnnualBudgetPlanned` or `AnnualBudgetRevised` with its line, period and amount.
    public struct BudgetChange: Sendable, Hashable {
        public let seq: Int64
        public let line: String
        public let periodStart: String
        public let periodEnd: String?
        public let amount: Amount
        public let isRevision: Bool
    }

    public let project: String
    /// The ledger's rates; a rule converts only as of seqs of this project, so rates recorded
    /// after its last event never change its flags.
    public var rates: RateBook
    public var settings: RuleSettings
    public private(set) var transactions: [Transaction] = []
    public private(set) var budgetChanges: [BudgetChange] = []
    /// Budget plans, revisions, locks and reopenings, in seq order, as recorded (fields may be missing).
    public private(set) var budgetEvents: [ProjectFact] = []
    /// `TransactionReversed` events: (seq, reversed seq).
    public private(set) var reversals: [(seq: Int64, reversed: Int64)] = []
    /// `ProjectApproved` events: seq, approver, whether the deployment marked it self-approved.
    public private(set) var approvals: [(seq: Int64, actor: String, selfApproved: Bool)] = []
    public private(set) var window: (start: CalendarDate, end: CalendarDate)?
    /// The seq of the project's last event, the point in the ledger this history describes.
    public private(set) var lastSeq: Int64 = 0
    /// When the project's last event was recorded.
    public private(set) var lastRecordedAt: Timestamp?
    private var reversedSeqs: Set<Int64> = []
    /// The greatest seq a reversal named: a transaction after it cannot have been reversed yet,
    /// so only one at or before it (a reversal naming a seq still to come) is looked up.
    private var greatestReversed = Int64.min
    private var payeeKeys: [String: Int] = [:]
    /// Whether `transactions` are in seq order (facts arrive in seq order, so always in
    /// practice): `transaction(at:)` then searches them by halves instead of keeping an index.
    private var transactionsInOrder = true
    /// Indices into `transactions` by payee key and by recording user, so a rule whose hits are
    /// separable by payee or user re-judges one of them without walking the whole project.
    /// Kept only when `indexesSubjects` (32-bit: a project holds fewer than 2^31 transactions).
    private var byPayee: [[Int32]] = []
    private var actorKeys: [String: Int] = [:]
    private var byActor: [[Int32]] = []
    /// Whether `byPayee` and `byActor` are kept. An append re-judges one payee or user of a
    /// project from them; a full evaluation judges each project once and whole, so it folds
    /// without them (sparing their memory and upkeep), and `restricted(toPayee:)` and
    /// `restricted(toUser:)` then scan the transactions instead, with the same result.
    let indexesSubjects: Bool
    /// The seq of the last transaction in `transactions` (Int64.min when none): the order check
    /// of each new one reads it here rather than from the last transaction's box.
    private var lastTransactionSeq = Int64.min
    /// The last recording user and its key: a project's transactions mostly come from one or
    /// two users in runs, so this spares hashing the name for each.
    private var lastActor: (name: String, key: Int)?

    public init(project: String, rates: RateBook = RateBook(), settings: RuleSettings = RuleSettings()) {
        self.init(project: project, rates: rates, settings: settings, indexingSubjects: true)
    }

    /// A history that keeps the payee and user indices only when `indexingSubjects`.
    init(project: String, rates: RateBook = RateBook(), settings: RuleSettings = RuleSettings(), indexingSubjects: Bool) {
        self.project = project
        self.rates = rates
        self.settings = settings
        self.indexesSubjects = indexingSubjects
    }

    /// The history of `events` (one project's, in seq order).
    public init(project: String, events: [EventEnvelope], rates: RateBook, settings: RuleSettings = RuleSettings()) {
        self.init(project: project, rates: rates, settings: settings)
        for e in events { apply(e) }
    }

    public var approvalSeq: Int64? { approvals.first?.seq }

    /// Folds in one event of the project.
    public mutating func apply(_ e: EventEnvelope) {
        if let fact = ProjectFact(e) { apply(fact) }
        note(seq: e.seq, recordedAt: e.recordedAt)
    }

    /// Moves the project's last seq and recording time: every event does, fact or not.
    public mutating func note(seq: Int64, recordedAt: Timestamp) {
        guard seq > lastSeq else { return }
        lastSeq = seq
        lastRecordedAt = recordedAt
    }

    /// Folds in one fact (facts arrive in seq order).
    public mutating func apply(_ fact: ProjectFact) {
        switch fact.kind {
        case .window:
            if let s = fact.period.flatMap(CalendarDate.init), let t = fact.periodEnd.flatMap(CalendarDate.init) { window = (s, t) }
        case .approval:
            approvals.append((fact.seq, fact.actor, fact.number == 1))
        case .commitment, .disbursement, .expenditure, .counterpart:
            guard let amount = fact.amount else { return }
            let kind: Transaction.Kind = switch fact.kind {
            case .commitment: .commitment
            case .disbursement: .disbursement
            case .expenditure: .expenditure
            default: .counterpart
            }
            let index = transactions.count
            if lastTransactionSeq >= fact.seq { transactionsInOrder = false }
            lastTransactionSeq = fact.seq
            let payeeKey = fact.party.map { name in payeeKeys[name] ?? { payeeKeys[name] = payeeKeys.count; return payeeKeys.count - 1 }() } ?? -1
            if indexesSubjects {
                if payeeKey >= 0 {
                    if payeeKey == byPayee.count { byPayee.append([]) }
                    byPayee[payeeKey].append(Int32(index))
                }
                byActor[actorKey(fact.actor)].append(Int32(index))
            }
            transactions.append(Transaction(Transaction.Fields(
                seq: fact.seq, kind: kind, date: fact.date.flatMap(Self.calendarDate), amount: amount, payee: fact.party,
                payeeKey: payeeKey, actor: fact.actor, recordedAt: fact.recordedAt, reference: fact.reference, fiscalYear: fact.number),
                reversed: fact.seq <= greatestReversed && reversedSeqs.contains(fact.seq)))
        case .budgetPlanned, .budgetRevised, .periodLocked, .reopenApproved:
            budgetEvents.append(fact)
            if fact.kind == .budgetPlanned || fact.kind == .budgetRevised, let line = fact.line, let start = fact.period,
               let amount = fact.amount {
                budgetChanges.append(BudgetChange(seq: fact.seq, line: line, periodStart: start, periodEnd: fact.periodEnd,
                                                  amount: amount, isRevision: fact.kind == .budgetRevised))
            }
        case .reversal:
            guard let reversed = fact.number else { return }
            reversals.append((fact.seq, reversed))
            reversedSeqs.insert(reversed)
            greatestReversed = max(greatestReversed, reversed)
            if let i = transactionIndex(at: reversed) { transactions[i].reversed = true }
        }
        note(seq: fact.seq, recordedAt: fact.recordedAt)
    }

    /// The key of recording user `name` in `byActor`, added when new.
    private mutating func actorKey(_ name: String) -> Int {
        if let last = lastActor, last.name == name { return last.key }
        let key = actorKeys[name] ?? {
            actorKeys[name] = byActor.count
            byActor.append([])
            return byActor.count - 1
        }()
        lastActor = (name, key)
        return key
    }

    /// The date a transaction's `date` text names, exactly as `CalendarDate(_:)` reads it, without
    /// the copy of its bytes that makes (one allocation per transaction in a full evaluation).
    static func calendarDate(_ text: String) -> CalendarDate? {
        var text = text
        return text.withUTF8 { b -> CalendarDate? in
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for k in range {
                    guard b[k] >= UInt8(ascii: "0"), b[k] <= UInt8(ascii: "9") else { return nil }
                    value = value * 10 + Int(b[k] - UInt8(ascii: "0"))
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
            return CalendarDate(year: year, month: month, day: day)
        }
    }

    /// The transaction recorded at `seq`, if the project has one.
    public func transaction(at seq: Int64) -> Transaction? {
        transactionIndex(at: seq).map { transactions[$0] }
    }

    /// Where the transaction recorded at `seq` is in `transactions`.
    private func transactionIndex(at seq: Int64) -> Int? {
        guard transactionsInOrder else { return transactions.firstIndex { $0.seq == seq } }
        let i = transactions.partitionPoint { $0.seq < seq }
        return i < transactions.count && transactions[i].seq == seq ? i : nil
    }

    /// This history with only the transactions paid to `payee` (all of them, reversed or not):
    /// what a rule of `RuleInputs.Scope.payee` needs to judge that payee alone.
    func restricted(toPayee payee: String) -> ProjectHistory {
        guard indexesSubjects else { return restricted(to: transactions.filter { $0.payee == payee }) }
        return restricted(to: (payeeKeys[payee].map { byPayee[$0] } ?? []).map { transactions[Int($0)] })
    }

    /// This history with only the transactions `user` recorded.
    func restricted(toUser user: String) -> ProjectHistory {
        guard indexesSubjects else { return restricted(to: transactions.filter { $0.actor == user }) }
        return restricted(to: (actorKeys[user].map { byActor[$0] } ?? []).map { transactions[Int($0)] })
    }

    private func restricted(to part: [Transaction]) -> ProjectHistory {
        var copy = ProjectHistory(project: project, rates: rates, settings: settings)
        copy.transactions = part
        copy.transactionsInOrder = transactionsInOrder
        copy.lastTransactionSeq = part.last?.seq ?? Int64.min
        copy.budgetChanges = budgetChanges
        copy.budgetEvents = budgetEvents
        copy.reversals = reversals
        copy.approvals = approvals
        copy.window = window
        copy.lastSeq = lastSeq
        copy.lastRecordedAt = lastRecordedAt
        return copy
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
