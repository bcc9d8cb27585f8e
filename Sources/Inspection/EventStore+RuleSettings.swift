import CanonicalJSON
import EventLog

/// Why a rule configuration was not recorded.
public enum RuleConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownRule(String, known: [String])
    case wrongVersion(rule: String, given: Int64, current: Int)
    case unknownParameter(rule: String, name: String, known: [String])
    case notAnInteger(name: String)
    case outOfBounds(name: String, value: Int64, bounds: ClosedRange<Int64>)
    case noParameters
    case emptyReason

    public var description: String {
        switch self {
        case let .unknownRule(id, known): "no rule \(id); rules: \(known.joined(separator: ", "))"
        case let .wrongVersion(rule, given, current):
            "rule \(rule) is at version \(current), not \(given): look at its definition in Schemas/rules.md and configure that version"
        case let .unknownParameter(rule, name, known):
            "rule \(rule) has no parameter \(name); its parameters: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
        case let .notAnInteger(name): "\(name) must be an integer (basis points, days, hours or a count)"
        case let .outOfBounds(name, value, bounds):
            bounds.upperBound == .max ? "\(name) must be 0 or more, not \(value)"
                : "\(name) must be between \(bounds.lowerBound) and \(bounds.upperBound), not \(value)"
        case .noParameters: "give at least one NAME=VALUE"
        case .emptyReason: "a reason is required: a parameter change must be explainable"
        }
    }

    /// The JSON pointer, in a `RuleConfigured` request, of the member the error is about.
    public var pointer: String {
        switch self {
        case .unknownRule: "/payload/ruleId"
        case .wrongVersion: "/payload/ruleVersion"
        case let .unknownParameter(_, name, _), let .notAnInteger(name), let .outOfBounds(name, _, _): "/payload/parameters/" + name
        case .noParameters: "/payload/parameters"
        case .emptyReason: "/payload/reason"
        }
    }
}

/// What a rule configuration may say: the one check behind `flags configure` and a
/// `RuleConfigured` appended through `oda-ledger append`.
public enum RuleConfigurationCheck {
    /// The values a parameter may take, from what its name says it measures: hours of the day
    /// 0–24, shares (`shareBasisPoints`, `shortfallBasisPoints`) 0–10,000, scores 0–100, counts
    /// of a sample at least 1; anything else 0 or more.
    public static func bounds(of name: String) -> ClosedRange<Int64> {
        if name.hasSuffix("Hour") { return 0...24 }
        if name == "shareBasisPoints" || name == "shortfallBasisPoints" { return 0...10_000 }
        if name.hasSuffix("Score") { return 0...100 }
        if name == "minimumSample" || name == "minimumPeers" { return 1...Int64.max }
        return 0...Int64.max
    }

    /// Checks a configuration against `rules`; returns the rule's entry.
    @discardableResult
    public static func check(ruleId: String, ruleVersion: Int64?, parameters: JSONObject, reason: String,
                             rules: [RuleCatalogue.Entry] = RuleCatalogue.entries) throws(RuleConfigurationError) -> RuleCatalogue.Entry {
        guard let rule = rules.first(where: { $0.id == ruleId }) else { throw .unknownRule(ruleId, known: rules.map(\.id)) }
        if let ruleVersion, ruleVersion != Int64(rule.version) { throw .wrongVersion(rule: ruleId, given: ruleVersion, current: rule.version) }
        guard !parameters.isEmpty else { throw .noParameters }
        for name in parameters.keys.sorted() {
            guard rule.parameters.contains(where: { $0.name == name }) else {
                throw .unknownParameter(rule: ruleId, name: name, known: rule.parameters.map(\.name))
            }
            guard case let .integer(value)? = parameters[name] else { throw .notAnInteger(name: name) }
            let bounds = bounds(of: name)
            guard bounds.contains(value) else { throw .outOfBounds(name: name, value: value, bounds: bounds) }
        }
        guard reason.contains(where: { !$0.isWhitespace }) else { throw .emptyReason }
        return rule
    }
}

extension EventStore {
    /// Records a `RuleConfigured` event in stream `rules` after `RuleConfigurationCheck`. It
    /// applies to flags of projects evaluated from then on, and to the next population evaluation.
    @discardableResult
    public func configureRule(_ ruleId: String, parameters: [String: Int64], reason: String, actor: Actor,
                              rules: [RuleCatalogue.Entry] = RuleCatalogue.entries) throws -> Int64 {
        var values = JSONObject()
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) { values[name] = .integer(value) }
        let rule = try RuleConfigurationCheck.check(ruleId: ruleId, ruleVersion: nil, parameters: values, reason: reason, rules: rules)
        let event = try ProposedEvent(stream: RuleSettings.stream, type: RuleSettings.eventType, payload: [
            "ruleId": .string(ruleId), "ruleVersion": .integer(Int64(rule.version)), "parameters": .object(values),
            "reason": .string(reason),
        ])
        return try append([event], actor: actor).first?.event.seq ?? 0
    }
}
