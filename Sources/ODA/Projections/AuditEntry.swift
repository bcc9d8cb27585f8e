import CanonicalJSON
import EventLog

/// One line of a project's audit trail: who recorded what, when, under which decision.
///
/// A pure function of one event (`init?(_:)`), so the trail is not stored beside the events: a
/// read derives it from the project's stream, in `seq` order.
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

extension AuditEntry {
    /// The trail's line for `event`, or nil when the event is on no project's trail: not on a
    /// `project:` stream, or an exchange rate or organisation (which `ProjectionBatch` files under
    /// no project whatever their stream).
    init?(_ event: EventEnvelope) {
        self.init(seq: event.seq, stream: event.stream, type: event.type, actor: event.actor.id, actorRole: event.actor.role,
                  recordedAt: event.recordedAt.rfc3339, occurredAt: event.occurredAt, payload: event.payload)
    }

    private init?(seq: Int64, stream: String, type: String, actor: String, actorRole: String?, recordedAt: String,
                  occurredAt: String?, payload: JSONObject) {
        guard stream.hasPrefix("project:"), type != "ExchangeRateRecorded", type != "OrganisationRegistered" else { return nil }
        self.init(seq: seq, type: type, actor: actor, actorRole: actorRole, recordedAt: recordedAt, occurredAt: occurredAt,
                  decisionReference: Self.decisionReference(in: payload), summary: Self.summary(type: type, payload: payload))
    }

    /// The trail's line for a stored event, as `init?(_:)` gives it for the decoded envelope.
    ///
    /// A project read derives a line per event of the stream, so this reads the few members a line
    /// needs from the parsed JSON and skips the rest of the envelope's checks (identifier syntax,
    /// the `prev` digest, the no-floats rule), which `verify` makes of every stored event; the
    /// recording time is used as stored only when it is the canonical spelling, which is exactly
    /// `Timestamp.rfc3339`. Anything else (a member missing or of another type) takes the full
    /// decode, which either gives the same line or says what is wrong with the bytes.
    ///
    /// A transaction event (the bulk of any stream) is read by `StoredEventScan`, the rebuild's
    /// byte scanner, without a JSON tree: its line is made from the same `TransactionFacts` the
    /// reference reading of the payload gives. Pass one `scan` along a whole stream so the strings
    /// repeated from one event to the next are made once.
    static func derived(from event: StoredEventBytes, scan: inout StoredEventScan) throws -> AuditEntry? {
        if let e = scan.projectedEvent(event), let (type, facts) = e.transaction {
            guard e.stream.hasPrefix("project:") else { return nil }
            return AuditEntry(seq: e.seq, type: e.type, actor: e.actorID, actorRole: e.actorRole, recordedAt: e.recordedAt,
                              occurredAt: e.occurredAt, decisionReference: facts.decision,
                              summary: facts.summary(type: type, amount: facts.amount?.description ?? "?"))
        }
        return try derived(from: event)
    }

    /// The trail's line for a stored event read through its parsed JSON (see `derived(from:scan:)`).
    static func derived(from event: StoredEventBytes) throws -> AuditEntry? {
        guard case let .object(o)? = try? JSONValue.parse(event.canonicalBytes),
              case let .string(stream)? = o["stream"], case let .string(type)? = o["type"],
              case let .object(actor)? = o["actor"], case let .string(actorID)? = actor["id"],
              case let .string(recordedAt)? = o["recordedAt"], Timestamp(canonical: recordedAt) != nil,
              case let .object(payload)? = o["payload"],
              let role = optionalString(actor["role"]), let occurredAt = optionalString(o["occurredAt"])
        else { return AuditEntry(try event.decoded()) }
        return AuditEntry(seq: event.seq, stream: stream, type: type, actor: actorID, actorRole: role, recordedAt: recordedAt,
                          occurredAt: occurredAt, payload: payload)
    }

    /// An optional string member: `.some(nil)` when absent, nil when of another type.
    private static func optionalString(_ value: JSONValue?) -> String?? {
        switch value {
        case nil: .some(nil)
        case let .string(s)?: .some(s)
        default: nil
        }
    }
}
