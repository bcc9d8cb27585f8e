import CanonicalJSON

/// What the projection reads of a commitment, disbursement, expenditure or counterpart
/// contribution (the bulk of any ledger): the members behind its `proj_transactions` row, its
/// audit summary and its decision reference, already typed.
///
/// The append path reads them from the decoded payload (`init(payload:)`, the reference); a bulk
/// rebuild reads them straight from the stored bytes (`StoredEventScan`), and must give an equal
/// value for every event it does not decline. Both then go through the same
/// `ProjectionBatch.apply`, so rows and summaries are made by one piece of code.
struct TransactionFacts: Equatable {
    /// `amount` when it is the payload form of an `Amount` that parses; nil otherwise.
    var amount: Amount?
    /// Each of these is the member when it is a JSON string, nil when absent or of another type.
    var transactionId: String?
    var date: String?
    var provider: String?
    var payee: String?
    /// A counterpart contribution's `kind` (`planned` or `actual` when valid).
    var kind: String?
    var decisionReference: String?
    var approvalReference: String?
    var amendmentReference: String?
    /// `fiscalYear` when it is a JSON integer.
    var fiscalYear: Int64?

    init() {}

    /// The reference reading, from a decoded payload.
    init(payload: JSONObject) {
        amount = payload["amount"].flatMap { try? Amount(json: $0) }
        transactionId = payload["transactionId"]?.stringValue
        date = payload["date"]?.stringValue
        provider = payload["provider"]?.stringValue
        payee = payload["payee"]?.stringValue
        kind = payload["kind"]?.stringValue
        decisionReference = payload["decisionReference"]?.stringValue
        approvalReference = payload["approvalReference"]?.stringValue
        amendmentReference = payload["amendmentReference"]?.stringValue
        fiscalYear = payload["fiscalYear"]?.integerValue
    }

    /// The decision the event cites, as `AuditEntry.decisionReference(in:)` picks it.
    var decision: String? { decisionReference ?? approvalReference ?? amendmentReference }

    /// The row's counterparty: the provider of funds, else the payee.
    var counterparty: String? { provider ?? payee }

    /// The row's fiscal year: the year of `date` when it is a calendar date, else `fiscalYear`.
    var year: Int64? { date.flatMap(Self.year(of:)) ?? fiscalYear }

    /// The year of `date` when it is a calendar date.
    static func year(of date: String) -> Int64? { CalendarDate(date).map { Int64($0.year) } }

    /// The audit summary (what `AuditEntry.summary` writes for these types), with the amount
    /// already formatted as `Amount.description`, or "?" when it does not parse: e.g.
    /// `expenditure E-17 1250.5 USD to Champasak Builders`. Written into one string of the
    /// right capacity, since a rebuild makes one per event.
    func summary(type: TransactionEventType, amount: String) -> String {
        let id = transactionId ?? "?"
        let head: String, recipient: String?
        switch type {
        case .commitment: (head, recipient) = ("commitment ", nil)
        case .disbursement: (head, recipient) = ("disbursement ", nil)
        case .expenditure: (head, recipient) = ("expenditure ", payee ?? "?")
        case .counterpartContribution: (head, recipient) = ("counterpart " + (kind ?? "?") + " ", nil)
        }
        var text = ""
        text.reserveCapacity(head.utf8.count + id.utf8.count + 1 + amount.utf8.count + (recipient.map { 4 + $0.utf8.count } ?? 0))
        text += head
        text += id
        text += " "
        text += amount
        if let recipient {
            text += " to "
            text += recipient
        }
        return text
    }
}

/// The four event types that make a `proj_transactions` row, so the hot path switches on a
/// case rather than comparing type names.
enum TransactionEventType: CaseIterable {
    case commitment, disbursement, expenditure, counterpartContribution

    init?(_ name: String) {
        switch name {
        case "CommitmentRecorded": self = .commitment
        case "DisbursementRecorded": self = .disbursement
        case "ExpenditureRecorded": self = .expenditure
        case "CounterpartContributionRecorded": self = .counterpartContribution
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .commitment: "CommitmentRecorded"
        case .disbursement: "DisbursementRecorded"
        case .expenditure: "ExpenditureRecorded"
        case .counterpartContribution: "CounterpartContributionRecorded"
        }
    }
}

extension TransactionKind {
    /// The kind of a transaction event, given a counterpart contribution's `kind` member.
    init?(eventType: TransactionEventType, counterpartKind: String?) {
        switch eventType {
        case .commitment: self = .commitment
        case .disbursement: self = .disbursement
        case .expenditure: self = .expenditure
        case .counterpartContribution:
            switch counterpartKind {
            case "planned": self = .counterpartPlanned
            case "actual": self = .counterpartActual
            default: return nil
            }
        }
    }
}
