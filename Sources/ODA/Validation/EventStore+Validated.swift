import EventLog

extension EventStore {
    /// Validates the batch with `validator` and appends it only if every event passes: a refused
    /// batch throws the `ValidationError` and writes nothing. The validator pins `expectedVersion`
    /// on the streams it read, so a concurrent append to one of them makes this append fail with
    /// `AppendError.wrongExpectedVersion` rather than record an event validated against stale state.
    public func appendValidated(_ events: [ProposedEvent], actor: Actor,
                                validator: EventValidator = EventValidator()) throws -> [AppendOutcome] {
        try append(try validator.validate(events, actor: actor, store: self), actor: actor)
    }
}
