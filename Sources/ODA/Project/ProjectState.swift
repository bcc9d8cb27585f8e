import CanonicalJSON
import EventLog

/// What the validator needs to know about one project: read from the projection tables
/// (`RecordedProjectState`) or folded from its stream, then from the events earlier in the same batch. Only validated payloads reach `apply`, so members that do
/// not parse (events recorded before validation existed) are skipped rather than trusted.
struct ProjectState: Sendable {
    var exists = false
    var status: ProjectStatus = .proposed
    var proposerActorID: String?
    var budgetPeriods: [BudgetPeriod] = []
    var agreements: [String: Amount] = [:]
    /// seq → event type of transaction events that can be reversed.
    var transactions: [Int64: String] = [:]
    var reversedSeqs: Set<Int64> = []

    static let transactionTypes: Set<String> = [
        "CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded",
    ]

    func periodIndex(line: String, start: CalendarDate) -> Int? {
        budgetPeriods.firstIndex { $0.budgetLineId == line && $0.start == start }
    }

    mutating func apply(type: String, payload: JSONObject, actorID: String, seq: Int64?) {
        func string(_ key: String) -> String? { payload[key]?.stringValue }
        func date(_ key: String) -> CalendarDate? { string(key).flatMap(CalendarDate.init) }
        func amount(_ key: String) -> Amount? { payload[key].flatMap { try? Amount(json: $0) } }
        switch type {
        case "ProjectProposed":
            exists = true
            status = .proposed
            proposerActorID = actorID
        case "ProjectApproved":
            status = .approved
        case "ProjectStatusChanged":
            if let to = string("to").flatMap(ProjectStatus.init(rawValue:)) { status = to }
        case "AnnualBudgetPlanned":
            if let line = string("budgetLineId"), let start = date("periodStart"), let end = date("periodEnd"), let value = amount("amount") {
                budgetPeriods.append(BudgetPeriod(budgetLineId: line, start: start, end: end, amount: value, isLocked: false))
            }
        case "AnnualBudgetRevised", "BudgetPeriodLocked", "BudgetReopenApproved":
            guard let line = string("budgetLineId"), let start = date("periodStart"), let index = periodIndex(line: line, start: start) else { return }
            if type == "AnnualBudgetRevised", let value = amount("newAmount") { budgetPeriods[index].amount = value }
            if type == "BudgetPeriodLocked" { budgetPeriods[index].isLocked = true }
            if type == "BudgetReopenApproved" { budgetPeriods[index].isLocked = false }
        case "FinancingAgreementSigned":
            if let id = string("agreementId"), let value = amount("amount") { agreements[id] = value }
        case "FinancingAgreementAmended":
            if let id = string("agreementId"), let value = amount("newAmount") { agreements[id] = value }
        case "TransactionReversed":
            if case let .integer(reversed)? = payload["reversedSeq"] { reversedSeqs.insert(reversed) }
        default:
            if Self.transactionTypes.contains(type), let seq { transactions[seq] = type }
        }
    }

    /// A project never proposed.
    init() {}

    /// Folds the recorded stream.
    init(recorded events: [RecordedEvent]) {
        for event in events {
            let envelope = event.envelope
            apply(type: envelope.type, payload: envelope.payload, actorID: envelope.actor.id, seq: envelope.seq)
        }
    }
}
