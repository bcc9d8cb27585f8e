import EventLog

extension EventStore {
    /// Validates the batch with `validator` and appends it only if every event passes: a refused
    /// batch throws the `ValidationError` and writes nothing.
    ///
    /// The validator pins `expectedVersion` on the streams it read, and the append checks those
    /// versions inside its write transaction, so an event validated against state that another
    /// writer (this process or another) changed in between is never recorded. When that happens
    /// on a stream whose version the request left open, the batch is validated again against the
    /// new state (up to `maximumRevalidations` times): the loser of a race then gets the
    /// `ValidationError` the new state calls for (e.g. a status that is no longer current), or is
    /// recorded if its events are still valid. A version the request pinned itself is never retried.
    public func appendValidated(_ events: [ProposedEvent], actor: Actor,
                                validator: EventValidator = EventValidator()) throws -> [AppendOutcome] {
        var revalidations = 0
        while true {
            let checked = try validator.validate(events, actor: actor, store: self)
            do {
                return try append(checked, actor: actor)
            } catch {
                guard case let .wrongExpectedVersion(index, _, _, _) = error, events.indices.contains(index),
                      events[index].expectedVersion == nil, revalidations < Self.maximumRevalidations else { throw error }
                revalidations += 1
            }
        }
    }

    /// How often `appendValidated` validates again after losing a race on a stream.
    public static let maximumRevalidations = 8
}
