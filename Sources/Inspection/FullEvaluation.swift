import EventLog
import ODA

/// Evaluates every subject rule over the whole ledger from scratch, without the flag table: the
/// check that the incrementally maintained flags are exactly what the rules say.
public enum FullEvaluation {
    /// All flags of the ledger up to its head, sorted by id.
    public static func flags(in store: EventStore, engine: RuleEngine = RuleEngine()) throws -> [Flag] {
        var rates = RateBook()
        var settings = RuleSettings()
        var streams: [String: [EventEnvelope]] = [:]
        try store.read(EventQuery()) { event in
            let envelope = event.envelope
            rates.record(envelope)
            settings.record(envelope)
            if envelope.stream.hasPrefix("project:") {
                streams[String(envelope.stream.dropFirst("project:".count)), default: []].append(envelope)
            }
            return true
        }
        return streams.keys.sorted().flatMap { project in
            engine.flags(for: ProjectHistory(project: project, events: streams[project]!, rates: rates, settings: settings))
        }.sorted { $0.id < $1.id }
    }
}
