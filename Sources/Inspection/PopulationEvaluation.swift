import CanonicalJSON
import EventLog
import ODA

/// Runs the population rules over the portfolio at one point of the ledger and turns their hits
/// into flags, merging repeated hits on one subject (evidence united; the higher score's amount
/// and sentence). A flag's id is `Flag.id(rule, subject)` with a portfolio-wide subject, so
/// evaluating the same point again gives the same flags with the same ids, and a later evaluation
/// that still sees the problem keeps the id a case refers to.
///
/// An evaluation is recorded as a `PopulationRulesEvaluated` event in stream `inspection`; it
/// judges every event recorded before it. `PopulationFlagProjector` turns the latest one into the
/// rows of `insp_population_flags`, so the flags are derived from the chain alone and a rebuild
/// reproduces them.
public struct PopulationEvaluation: Sendable {
    public static let eventType = "PopulationRulesEvaluated"
    public static let stream = "inspection"
    /// Why an evaluation was recorded.
    public enum Trigger: String, Sendable, CaseIterable { case onDemand = "on-demand", scheduled }

    public let rules: [any PopulationRule]

    public init(rules: [any PopulationRule] = RuleCatalogue.populationRules) {
        self.rules = rules
    }

    /// The flags the rules raise on `facts`, sorted by id.
    public func flags(for facts: PopulationFacts) -> [Flag] {
        var flags: [String: Flag] = [:]
        for rule in rules {
            let parameters = facts.parameters(for: rule)
            for hit in rule.evaluate(facts, parameters: parameters) {
                let id = Flag.id(rule: rule.id, subject: hit.subject)
                var evidence = hit.evidence, amount = hit.amount, score = hit.score, explanation = hit.explanation
                if let earlier = flags[id] {
                    evidence = Array(Set(earlier.evidence).union(hit.evidence)).sorted()
                    if earlier.score >= hit.score { (amount, score, explanation) = (earlier.amount, earlier.score, earlier.explanation) }
                }
                flags[id] = Flag(
                    id: id, ruleId: rule.id, ruleVersion: rule.version, severity: rule.severity, parameters: parameters,
                    subject: hit.subject, amount: amount, amountIsUSD: amount?.currency == .usd, score: score,
                    evidence: evidence, explanation: explanation)
            }
        }
        return flags.values.sorted { $0.id < $1.id }
    }

    /// The flags of the portfolio as it stood at `throughSeq`, read from `store`.
    public func flags(in store: EventStore, throughSeq: Int64) throws -> [Flag] {
        flags(for: try PopulationFacts(store: store, throughSeq: throughSeq))
    }

    /// `{rule id: version}` of the rules, as an evaluation event records them.
    public var ruleVersions: JSONObject {
        var out = JSONObject()
        for rule in rules.sorted(by: { $0.id < $1.id }) { out[rule.id] = .integer(Int64(rule.version)) }
        return out
    }
}

/// Keeps `insp_population_flags` equal to the population flags of the latest
/// `PopulationRulesEvaluated` event, inside the append that records it. When catching up over
/// several evaluations only the latest recorded one is computed, since the table holds the latest
/// evaluation (it is not a point-in-time view).
public struct PopulationFlagProjector: Projector {
    public let name = "inspection-population-flags"
    public let tableNames = [PopulationFlagTable.name]
    public let evaluation: PopulationEvaluation

    public init(evaluation: PopulationEvaluation = PopulationEvaluation()) {
        self.evaluation = evaluation
    }

    public func createTables(in database: ProjectionDatabase, prefix: String) throws {
        try database.executeScript(PopulationFlagTable.create(prefix: prefix))
    }

    public func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        guard let latest = events.last(where: { $0.envelope.type == PopulationEvaluation.eventType
            && $0.envelope.stream == PopulationEvaluation.stream })?.seq else { return }
        let later = try database.scalarInt64("SELECT count(*) FROM events WHERE type = ?1 AND seq > ?2",
                                             [.text(PopulationEvaluation.eventType), .integer(latest)]) ?? 0
        guard later == 0 else { return }
        let facts = try PopulationFacts(database: database, throughSeq: latest - 1)
        try PopulationFlagTable.replace(with: evaluation.flags(for: facts), evaluationSeq: latest, in: database, prefix: prefix)
    }
}

extension EventStore {
    /// The seq of the latest `PopulationRulesEvaluated`, or nil when the population rules were never evaluated.
    public func latestPopulationEvaluation() throws -> Int64? {
        var latest: Int64?
        try read(EventQuery(stream: PopulationEvaluation.stream, type: PopulationEvaluation.eventType)) { latest = $0.seq; return true }
        return latest
    }

    /// Records a `PopulationRulesEvaluated` event, so the population rules judge everything
    /// recorded before it and their flags replace the previous evaluation's (the projector is
    /// registered here if the caller has not). Nothing is recorded, and nil returned, when the
    /// latest event already is an evaluation by the same rule versions: it would change nothing.
    @discardableResult
    public func evaluatePopulationRules(trigger: PopulationEvaluation.Trigger, actor: Actor,
                                        evaluation: PopulationEvaluation = PopulationEvaluation()) throws -> Int64? {
        try register(PopulationFlagProjector(evaluation: evaluation))
        let head = try head().seq
        if head > 0, let last = try event(at: head), last.envelope.type == PopulationEvaluation.eventType,
           last.envelope.payload["ruleVersions"] == .object(evaluation.ruleVersions) {
            return nil
        }
        let event = try ProposedEvent(stream: PopulationEvaluation.stream, type: PopulationEvaluation.eventType, payload: [
            "trigger": .string(trigger.rawValue), "ruleVersions": .object(evaluation.ruleVersions),
        ])
        return try append([event], actor: actor).first?.event.seq
    }
}
