import EventLog

/// Domain checks another module adds to `EventValidator` for event types whose rules it owns
/// (the Inspection module: case transitions, rule parameters). The validator runs each check on
/// the whole batch after its own checks pass, and refuses a type of the `case` or `rules` stream
/// kinds that no check handles, so an append path that forgot the checks cannot record an
/// unchecked case transition or parameter.
public protocol EventBatchCheck: Sendable {
    /// The event types this check is responsible for.
    var handledTypes: Set<String> { get }
    /// Throws the first problem, naming the event's index and the member.
    func check(_ events: [ProposedEvent], store: EventStore) throws(ValidationError)
}

extension EventCatalogue.Entry {
    /// Whether events of this type are recorded only with an `EventBatchCheck` that handles them.
    public var needsDomainCheck: Bool { streamKind == "case" || streamKind == "rules" }
}
