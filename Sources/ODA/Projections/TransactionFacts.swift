import CanonicalJSON
import Foundation

/// What the projection reads of a commitment, disbursement, expenditure or counterpart
/// contribution (the bulk of any ledger): the members behind its `proj_transactions` row, its
/// audit summary and its decision reference, already typed.
///
/// The append path reads them from the decoded payload (`init(payload:)`, the reference); a bulk
/// rebuild reads them straight from the stored bytes (`StoredEventScan`), and must give an equal
/// value for every event it does not decline. Both then go through the same
/// `ProjectionBatch.apply`, so rows and summaries are made by one piece of code.
struct TransactionFacts: Equatable, Sendable {
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

    /// The reading the append path uses (`TransactionFactsReader`): each member set from one pass
    /// over the payload's members, the amount through `reader`, equal to `init(payload:)`.
    init(payload: JSONObject, reader: inout TransactionFactsReader) {
        for (key, value) in payload {
            switch key.utf8.count {
            case 4:
                if key == "date" { date = value.stringValue } else if key == "kind" { kind = value.stringValue }
            case 5: if key == "payee" { payee = value.stringValue }
            case 6: if key == "amount" { amount = reader.amount(value) }
            case 8: if key == "provider" { provider = value.stringValue }
            case 10: if key == "fiscalYear" { fiscalYear = value.integerValue }
            case 13: if key == "transactionId" { transactionId = value.stringValue }
            case 17:
                if key == "decisionReference" {
                    decisionReference = value.stringValue
                } else if key == "approvalReference" {
                    approvalReference = value.stringValue
                }
            case 18: if key == "amendmentReference" { amendmentReference = value.stringValue }
            default: break
            }
        }
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

/// What `TransactionFacts(payload:reader:)` keeps from one payload to the next: the currencies
/// met so far, so an amount in the common spelling (`StoredEventScan.tenThousandths`) of a known
/// currency is made without parsing its text twice or hashing its code. Anything else goes to
/// `Amount(json:)`, the reference; a test holds the reader to `init(payload:)` on odd payloads.
struct TransactionFactsReader {
    private var currencies: [(code: String, currency: CurrencyCode)] = []

    /// `try? Amount(json: value)`.
    mutating func amount(_ value: JSONValue) -> Amount? {
        guard case let .object(object) = value, case let .string(text)? = object["amount"],
              case let .string(code)? = object["currency"] else {
            return try? Amount(json: value)
        }
        let units = text.utf8.withContiguousStorageIfAvailable { StoredEventScan.tenThousandths($0, 0..<$0.count) } ?? nil
        guard let units else { return try? Amount(json: value) }
        for known in currencies where known.code.hasSameBytes(as: code) {
            return Amount(tenThousandths: units, currency: known.currency)
        }
        guard let currency = try? CurrencyCode(code) else { return nil }
        if currencies.count < 32 { currencies.append((code, currency)) }
        return Amount(tenThousandths: units, currency: currency)
    }
}

/// The four event types that make a `proj_transactions` row, so the hot path switches on a
/// case rather than comparing type names.
enum TransactionEventType: CaseIterable, Sendable {
    case commitment, disbursement, expenditure, counterpartContribution

    init?(_ name: String) {
        // The four names differ in length: one comparison at most.
        switch name.utf8.count {
        case 18 where name == "CommitmentRecorded": self = .commitment
        case 20 where name == "DisbursementRecorded": self = .disbursement
        case 19 where name == "ExpenditureRecorded": self = .expenditure
        case 31 where name == "CounterpartContributionRecorded": self = .counterpartContribution
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

extension String {
    /// Whether the two strings are spelled with the same UTF-8 bytes: stricter than `==`, which
    /// also equates canonically equivalent spellings, and without walking `utf8` element by element.
    ///
    /// The bytes are compared by `memcmp`: the projection compares each event's stream and date
    /// with the previous one's, and a byte-by-byte loop over two buffers cost several hundred
    /// instructions per call there.
    func hasSameBytes(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var a = self, b = other
        return a.withUTF8 { x in
            b.withUTF8 { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
    }
}
