import EventLog
import ODA

/// Runs the rules over one project's history and turns hits into flags, merging repeated hits on
/// one subject. The single evaluation path shared by the projector (on append) and full
/// evaluation, which is what makes their flags identical.
public struct RuleEngine: Sendable {
    public let rules: [any Rule]

    public init(rules: [any Rule] = RuleCatalogue.subjectRules) {
        self.rules = rules
    }

    /// The flags of one project, sorted by id.
    public func flags(for history: ProjectHistory) -> [Flag] {
        var flags: [String: Flag] = [:]
        for rule in rules {
            let parameters = history.settings.parameters(for: rule, asOf: history.lastSeq)
            // Hits in a fixed order, so which of two equal-scored hits on one subject gives the
            // flag its amount and sentence never depends on the order a rule happened to list them.
            let hits = rule.evaluate(history, parameters: parameters).map { (key: $0.subject.key, hit: $0) }.sorted(by: Self.precedes)
            for (_, hit) in hits {
                let id = Flag.id(rule: rule.id, subject: hit.subject)
                let merged = flags[id].map { merge($0, hit) } ?? (hit.evidence, hit.amount, hit.score, hit.explanation)
                let evidence = merged.0
                let lastEvidence = evidence.last ?? history.lastSeq
                let usd = merged.1.flatMap { history.rates.usd($0, asOf: lastEvidence) }
                flags[id] = Flag(
                    id: id, ruleId: rule.id, ruleVersion: rule.version, severity: rule.severity, parameters: parameters,
                    subject: hit.subject, amount: usd ?? merged.1, amountIsUSD: usd != nil, score: merged.2,
                    evidence: evidence, explanation: merged.3)
            }
        }
        return flags.values.sorted { $0.id < $1.id }
    }

    /// Subject, then evidence (lexicographically), then score and sentence.
    private static func precedes(_ x: (key: String, hit: RuleHit), _ y: (key: String, hit: RuleHit)) -> Bool {
        let a = x.hit, b = y.hit
        if x.key != y.key { return x.key < y.key }
        if a.evidence != b.evidence { return a.evidence.lexicographicallyPrecedes(b.evidence) }
        if a.score != b.score { return a.score > b.score }
        return a.explanation < b.explanation
    }

    /// Repeated hits on one subject: the union of evidence, the larger score and its amount and sentence.
    private func merge(_ flag: Flag, _ hit: RuleHit) -> ([Int64], Amount?, Int, String) {
        let evidence = Array(Set(flag.evidence).union(hit.evidence)).sorted()
        return hit.score > flag.score ? (evidence, hit.amount, hit.score, hit.explanation)
                                      : (evidence, flag.amount, flag.score, flag.explanation)
    }
}
