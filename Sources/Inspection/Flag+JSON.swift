import CanonicalJSON
import ODA

extension Flag {
    /// The flag as JSON, for `flags --format json` and the service: integers and strings only.
    public var jsonValue: JSONValue {
        var parameters = JSONObject()
        for (name, value) in self.parameters.sorted(by: { $0.key < $1.key }) { parameters[name] = .integer(value) }
        return [
            "id": .string(id), "rule": .string(ruleId), "ruleVersion": .integer(Int64(ruleVersion)),
            "severity": .string(severity.rawValue), "parameters": .object(parameters),
            "subject": ["kind": .string(subject.kind.rawValue), "name": .string(subject.name), "project": .string(subject.project)],
            "amount": amount.map(\.jsonValue) ?? .null, "amountIsUSDEquivalent": .bool(amountIsUSD),
            "score": .integer(Int64(score)), "evidence": .array(evidence.map { .integer($0) }),
            "explanation": .string(explanation),
        ]
    }
}
