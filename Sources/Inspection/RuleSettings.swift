import CanonicalJSON
import EventLog

/// Rule parameters as configured in the ledger: `RuleConfigured` events in stream `rules`, each
/// setting some parameters of one rule (`{"ruleId", "parameters": {name: integer}, "reason"}`).
/// A project's flags use the parameters in force at the project's last event, so a later
/// change never rewrites an old flag: it stays explained by the parameters that produced it.
public struct RuleSettings: Sendable {
    public static let stream = "rules"
    public static let eventType = "RuleConfigured"

    /// One `RuleConfigured` event's settings.
    public struct Change: Sendable, Hashable {
        public let seq: Int64
        public let ruleId: String
        public let parameters: [String: Int64]
    }

    public private(set) var changes: [Change] = []

    public init() {}

    /// Adds the settings a `RuleConfigured` event carries; other events are ignored. Returns the
    /// change when one was added.
    @discardableResult
    public mutating func record(_ envelope: EventEnvelope) -> Change? {
        guard envelope.type == Self.eventType, envelope.stream == Self.stream,
              let ruleId = envelope.payload["ruleId"]?.stringValue,
              case let .object(values)? = envelope.payload["parameters"] else { return nil }
        var parameters: [String: Int64] = [:]
        for name in values.keys { if case let .integer(v)? = values[name] { parameters[name] = v } }
        let change = Change(seq: envelope.seq, ruleId: ruleId, parameters: parameters)
        record(change)
        return change
    }

    /// Adds a change read back from where it was kept (changes arrive in ascending seq order).
    public mutating func record(_ change: Change) {
        changes.append(change)
    }

    /// `rule`'s defaults overridden by every setting recorded at or before `seq`, in order;
    /// names the rule does not have are ignored.
    public func parameters(for rule: any RuleDefinition, asOf seq: Int64) -> [String: Int64] {
        var result = rule.defaultParameters
        for change in changes where change.seq <= seq && change.ruleId == rule.id {
            for (name, value) in change.parameters where result[name] != nil { result[name] = value }
        }
        return result
    }
}
