import Crypto
import ODA

/// A lead for the Department of Inspection: which rule (and version, with which parameters) saw
/// what, on which recorded events, and why it matters. Not a finding.
public struct Flag: Sendable, Hashable {
    /// `hash(rule id, subject)`: the same rule on the same subject is always the same flag, so
    /// repeated hits merge and a rebuild reproduces the id a case refers to.
    public let id: String
    public let ruleId: String
    public let ruleVersion: Int
    public let severity: Severity
    /// Parameter name → value used, sorted by name when printed.
    public let parameters: [String: Int64]
    public let subject: Subject
    /// The amount involved: in USD when `amountIsUSD` (converted with the latest rate recorded by
    /// the last evidence event), otherwise in its original currency because no rate was recorded.
    public let amount: Amount?
    public let amountIsUSD: Bool
    public let score: Int
    /// Seqs of the events the rule saw, ascending.
    public let evidence: [Int64]
    public let explanation: String

    public init(id: String, ruleId: String, ruleVersion: Int, severity: Severity, parameters: [String: Int64],
                subject: Subject, amount: Amount?, amountIsUSD: Bool, score: Int, evidence: [Int64], explanation: String) {
        self.id = id
        self.ruleId = ruleId
        self.ruleVersion = ruleVersion
        self.severity = severity
        self.parameters = parameters
        self.subject = subject
        self.amount = amount
        self.amountIsUSD = amountIsUSD
        self.score = score
        self.evidence = evidence
        self.explanation = explanation
    }

    /// The stable id: the first 16 bytes of SHA-256 over `ruleId NUL subject.key`, in hex.
    public static func id(rule: String, subject: Subject) -> String {
        let digest = SHA256.hash(Array(rule.utf8) + [0] + Array(subject.key.utf8))
        return String(digest.hex.prefix(32))
    }

    /// The parameters as `name=value`, sorted: how they are stored and shown.
    public var parametersText: String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// The inverse of `parametersText`, for flags read back from a flag table.
    static func parameters(storedText text: String) -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: text.split(separator: ",").compactMap { pair -> (String, Int64)? in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int64(parts[1]) else { return nil }
            return (String(parts[0]), value)
        })
    }

    /// Evidence seqs as the flag tables store them: comma-separated.
    var evidenceText: String { evidence.map(String.init).joined(separator: ",") }

    static func evidence(storedText text: String) -> [Int64] {
        text.split(separator: ",").compactMap { Int64($0) }
    }
}
