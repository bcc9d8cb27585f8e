import CanonicalJSON

/// Why an inspector dismissed a flag: a closed list, so dismissals can be counted and audited.
public enum DismissalReason: String, Sendable, CaseIterable {
    case dataEntryError = "data-entry-error"
    case documentedLegitimateReason = "documented-legitimate-reason"
    case duplicateAlert = "duplicate-alert"
    case belowMateriality = "below-materiality"
    case ruleMisSpecified = "rule-mis-specified"
}

/// How a case ended after it was worked on.
public enum CaseOutcome: String, Sendable, CaseIterable {
    case substantiated, unsubstantiated, referred
}

/// An inspector's action on a flag, recorded as an event in stream `case:{flagId}`, so the
/// inspectors' own work sits in the same hash chain as what they inspect.
public enum CaseAction: Sendable, Equatable {
    case assign(to: String, note: String?)
    case comment(String)
    /// Asks someone (a project unit, a partner) for documents; the case keeps its status.
    case requestInformation(from: String, text: String)
    case dismiss(DismissalReason, text: String)
    case escalate(to: String, reason: String)
    case close(CaseOutcome, text: String)
    case reopen(reason: String)

    public var verb: String {
        switch self {
        case .assign: "assign"
        case .comment: "comment"
        case .requestInformation: "request-information"
        case .dismiss: "dismiss"
        case .escalate: "escalate"
        case .close: "close"
        case .reopen: "reopen"
        }
    }

    public var eventType: String {
        switch self {
        case .assign: "CaseAssigned"
        case .comment: "CaseCommented"
        case .requestInformation: "CaseInformationRequested"
        case .dismiss: "CaseDismissed"
        case .escalate: "CaseEscalated"
        case .close: "CaseClosed"
        case .reopen: "CaseReopened"
        }
    }

    public static let eventTypes: Set<String> = ["CaseAssigned", "CaseCommented", "CaseInformationRequested", "CaseDismissed", "CaseEscalated", "CaseClosed", "CaseReopened"]

    /// The event payload (without `flagId`, which the caller adds).
    public var payload: JSONObject {
        switch self {
        case let .assign(to, note):
            var o: JSONObject = ["assignee": .string(to)]
            if let note { o["note"] = .string(note) }
            return o
        case let .comment(text): return ["text": .string(text)]
        case let .requestInformation(from, text): return ["from": .string(from), "text": .string(text)]
        case let .dismiss(reason, text): return ["reasonCode": .string(reason.rawValue), "text": .string(text)]
        case let .escalate(to, reason): return ["to": .string(to), "reason": .string(reason)]
        case let .close(outcome, text): return ["outcome": .string(outcome.rawValue), "text": .string(text)]
        case let .reopen(reason): return ["reason": .string(reason)]
        }
    }

    /// Reads an action back from a recorded case event; nil for anything else.
    public init?(type: String, payload: JSONObject) {
        func s(_ key: String) -> String? { payload[key]?.stringValue }
        switch type {
        case "CaseAssigned": guard let a = s("assignee") else { return nil }; self = .assign(to: a, note: s("note"))
        case "CaseCommented": guard let t = s("text") else { return nil }; self = .comment(t)
        case "CaseInformationRequested":
            guard let f = s("from"), let t = s("text") else { return nil }
            self = .requestInformation(from: f, text: t)
        case "CaseDismissed":
            guard let r = s("reasonCode").flatMap(DismissalReason.init), let t = s("text") else { return nil }
            self = .dismiss(r, text: t)
        case "CaseEscalated": guard let to = s("to"), let r = s("reason") else { return nil }; self = .escalate(to: to, reason: r)
        case "CaseClosed":
            guard let o = s("outcome").flatMap(CaseOutcome.init), let t = s("text") else { return nil }
            self = .close(o, text: t)
        case "CaseReopened": guard let r = s("reason") else { return nil }; self = .reopen(reason: r)
        default: return nil
        }
    }
}
