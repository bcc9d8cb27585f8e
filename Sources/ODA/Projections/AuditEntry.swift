import CanonicalJSON

/// One line of a project's audit trail: who recorded what, when, under which decision.
public struct AuditEntry: Sendable, Equatable {
    public let seq: Int64
    public let type: String
    public let actor: String
    public let actorRole: String?
    /// The server's clock when the event was recorded (RFC 3339).
    public let recordedAt: String
    /// The business date the recorder gave, if any.
    public let occurredAt: String?
    public let decisionReference: String?
    /// One plain sentence of what changed, e.g. `status approved → active: Inception workshop held`.
    public let summary: String

    /// The decision an event cites, under whichever name its type uses.
    static func decisionReference(in payload: JSONObject) -> String? {
        for key in ["decisionReference", "approvalReference", "amendmentReference"] {
            if let value = payload[key]?.stringValue { return value }
        }
        return nil
    }

    static func summary(type: String, payload: JSONObject) -> String {
        func s(_ key: String) -> String { payload[key]?.stringValue ?? "?" }
        func money(_ key: String) -> String { payload[key].flatMap { try? Amount(json: $0) }?.description ?? "?" }
        func reason() -> String { payload["reason"]?.stringValue.map { ": " + $0 } ?? "" }
        switch type {
        case "ProjectProposed": return "proposed \"\(s("title"))\", estimated \(money("estimatedCost"))"
        case "ProjectApproved":
            let flag = payload["selfApproved"] == .bool(true) ? " (self-approved)" : ""
            return "approved by \(s("approvingAuthority")) on \(s("approvalDate"))\(flag)"
        case "ProjectStatusChanged": return "status \(s("from")) → \(s("to"))\(reason())"
        case "ProjectDatesRevised": return "dates \(s("startDate")) – \(s("endDate"))\(reason())"
        case "SectorAllocationRevised", "LocationAllocationRevised":
            let key = type == "SectorAllocationRevised" ? "sector" : "province"
            let parts = (payload["allocations"]?.arrayValue ?? []).map { item in
                "\(item.objectValue?[key]?.stringValue ?? "?") \(item.objectValue?["percentage"]?.stringValue ?? "?")%"
            }
            return "\(key) allocation " + parts.joined(separator: ", ")
        case "FinancingAgreementSigned": return "agreement \(s("agreementId")) signed: \(money("amount"))"
        case "FinancingAgreementAmended":
            return "agreement \(s("agreementId")) amended \(money("previousAmount")) → \(money("newAmount"))"
        case "AnnualBudgetPlanned": return "budget \(s("budgetLineId")) \(s("periodStart")) planned \(money("amount"))"
        case "AnnualBudgetRevised":
            return "budget \(s("budgetLineId")) \(s("periodStart")) revised \(money("previousAmount")) → \(money("newAmount"))\(reason())"
        case "BudgetPeriodLocked": return "budget \(s("budgetLineId")) \(s("periodStart")) locked\(reason())"
        case "BudgetReopenApproved": return "budget \(s("budgetLineId")) \(s("periodStart")) reopened\(reason())"
        case "CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded":
            return TransactionEventType(type).map { TransactionFacts(payload: payload).summary(type: $0, amount: money("amount")) } ?? type
        case "TransactionReversed":
            return "reversed seq \(payload["reversedSeq"]?.integerValue.map(String.init) ?? "?")\(reason())"
        default: return type
        }
    }
}
