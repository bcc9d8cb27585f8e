import CanonicalJSON
import EventLog

/// What an earlier import left on one stream: the idempotency keys used, the current value of each
/// budget period, and the unreversed imported transactions. Read from the events themselves, so
/// the importer needs no projection to decide what is new.
struct RecordedStreamState {
    var keys: Set<String> = []
    /// idempotency key → the payload recorded with it.
    var payloads: [String: JSONObject] = [:]
    /// `budgetLineId|periodStart` → current amount JSON.
    var budgets: [String: JSONValue] = [:]
    /// transactionId → seq, for transactions an IATI import recorded (idempotency key `iati:…`)
    /// and nothing has reversed: the ones a newer file may withdraw.
    var transactions: [String: Int64] = [:]
    var exists = false
    /// The project's current planned window: the latest `ProjectDatesRevised`, else `ProjectProposed`.
    var window: (start: String, end: String)?
    /// The `ProjectProposed` payload, for what a newer file changes but no event can revise.
    var proposal: JSONObject?

    init(stream: String, store: EventStore) throws {
        var reversed: Set<Int64> = []
        var all: [String: Int64] = [:]
        for event in try store.events(EventQuery(stream: stream)) {
            let envelope = event.envelope
            exists = true
            if let key = envelope.idempotencyKey { keys.insert(key); payloads[key] = envelope.payload }
            let p = envelope.payload
            switch envelope.type {
            case "ProjectProposed":
                proposal = p
                if let start = p["plannedStartDate"]?.stringValue, let end = p["plannedEndDate"]?.stringValue { window = (start, end) }
            case "ProjectDatesRevised":
                if let start = p["startDate"]?.stringValue, let end = p["endDate"]?.stringValue { window = (start, end) }
            case "AnnualBudgetPlanned":
                budgets[Self.budgetKey(p["budgetLineId"]?.stringValue, p["periodStart"]?.stringValue)] = p["amount"]
            case "AnnualBudgetRevised":
                budgets[Self.budgetKey(p["budgetLineId"]?.stringValue, p["periodStart"]?.stringValue)] = p["newAmount"]
            case "CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded":
                if let id = p["transactionId"]?.stringValue, envelope.idempotencyKey?.hasPrefix("iati:") == true { all[id] = envelope.seq }
            case "TransactionReversed":
                if case let .integer(seq)? = p["reversedSeq"] { reversed.insert(seq) }
            default: break
            }
        }
        transactions = all.filter { !reversed.contains($0.value) }
    }

    init() {}

    static func budgetKey(_ line: String?, _ start: String?) -> String { "\(line ?? "")|\(start ?? "")" }
}
