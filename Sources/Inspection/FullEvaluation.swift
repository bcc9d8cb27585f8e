import EventLog
import ODA

/// Evaluates every subject rule over the whole ledger from scratch, without the flag table or
/// the projector's state tables: the check that the incrementally maintained flags are exactly
/// what the rules say. It folds each project's events into a `ProjectHistory` and judges it with
/// `RuleEngine.flags(for:)`, the path the projector takes on append.
public enum FullEvaluation {
    /// All flags of the ledger up to its head, sorted by id.
    public static func flags(in store: EventStore, engine: RuleEngine = RuleEngine()) throws -> [Flag] {
        var rates = RateBook()
        var settings = RuleSettings()
        var histories: [String: ProjectHistory] = [:]
        try store.read(EventQuery()) { event in
            fold(event.envelope, into: &histories, rates: &rates, settings: &settings)
            return true
        }
        return flags(of: histories, rates: rates, settings: settings, engine: engine)
    }

    /// All flags of `events` (a whole ledger in seq order), sorted by id.
    public static func flags<S: Sequence>(of events: S, engine: RuleEngine = RuleEngine()) -> [Flag] where S.Element == EventEnvelope {
        var rates = RateBook()
        var settings = RuleSettings()
        var histories: [String: ProjectHistory] = [:]
        for e in events { fold(e, into: &histories, rates: &rates, settings: &settings) }
        return flags(of: histories, rates: rates, settings: settings, engine: engine)
    }

    private static func fold(_ envelope: EventEnvelope, into histories: inout [String: ProjectHistory],
                             rates: inout RateBook, settings: inout RuleSettings) {
        if envelope.stream.hasPrefix("project:") {
            let project = String(envelope.stream.dropFirst("project:".count))
            histories[project, default: ProjectHistory(project: project)].apply(envelope)
        } else {
            rates.record(envelope)
            settings.record(envelope)
        }
    }

    private static func flags(of histories: [String: ProjectHistory], rates: RateBook, settings: RuleSettings,
                              engine: RuleEngine) -> [Flag] {
        histories.keys.sorted().flatMap { project in
            var history = histories[project]!
            history.rates = rates
            history.settings = settings
            return engine.flags(for: history)
        }.sorted { $0.id < $1.id }
    }
}
