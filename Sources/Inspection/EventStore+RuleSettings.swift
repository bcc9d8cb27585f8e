import CanonicalJSON
import EventLog

/// Why a rule configuration was not recorded.
public enum RuleConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownRule(String, known: [String])
    case unknownParameter(rule: String, name: String, known: [String])
    case negativeValue(name: String, value: Int64)
    case noParameters
    case emptyReason

    public var description: String {
        switch self {
        case let .unknownRule(id, known): "no rule \(id); rules: \(known.joined(separator: ", "))"
        case let .unknownParameter(rule, name, known):
            "rule \(rule) has no parameter \(name); its parameters: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
        case let .negativeValue(name, value): "\(name) must be 0 or more, not \(value)"
        case .noParameters: "give at least one NAME=VALUE"
        case .emptyReason: "a reason is required: a parameter change must be explainable"
        }
    }
}

extension EventStore {
    /// Records a `RuleConfigured` event in stream `rules` after checking the rule and parameter
    /// names against `rules`. It applies to flags of projects evaluated from then on.
    @discardableResult
    public func configureRule(_ ruleId: String, parameters: [String: Int64], reason: String, actor: Actor,
                              rules: [any Rule] = RuleCatalogue.subjectRules) throws -> Int64 {
        guard let rule = rules.first(where: { $0.id == ruleId }) else {
            throw RuleConfigurationError.unknownRule(ruleId, known: rules.map(\.id))
        }
        guard !parameters.isEmpty else { throw RuleConfigurationError.noParameters }
        guard reason.contains(where: { !$0.isWhitespace }) else { throw RuleConfigurationError.emptyReason }
        var values = JSONObject()
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            guard rule.defaultParameters[name] != nil else {
                throw RuleConfigurationError.unknownParameter(rule: ruleId, name: name, known: rule.parameters.map(\.name))
            }
            guard value >= 0 else { throw RuleConfigurationError.negativeValue(name: name, value: value) }
            values[name] = .integer(value)
        }
        let event = try ProposedEvent(stream: RuleSettings.stream, type: RuleSettings.eventType, payload: [
            "ruleId": .string(ruleId), "ruleVersion": .integer(Int64(rule.version)), "parameters": .object(values),
            "reason": .string(reason),
        ])
        return try append([event], actor: actor).first?.event.seq ?? 0
    }
}
