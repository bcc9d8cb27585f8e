import CanonicalJSON
import EventLog
import Foundation
import ODA

/// The Inspection module's checks on events that arrive through the generic validated append
/// (`oda-ledger append`, and any other path that takes events as JSON): a case event must name a
/// flag that exists and make a transition the case workflow allows from the case's recorded
/// events (and the batch's earlier ones); a `RuleConfigured` must pass `RuleConfigurationCheck`.
/// Refusals are `ValidationError`s naming the event and the member, like the schema checks.
///
/// Give it to `EventValidator(additionalChecks:)`, which runs it after its own checks (shape,
/// pinned stream versions): if a case stream grows between the two reads, the append fails on
/// that pinned version instead of recording a transition checked against another state.
public struct InspectionEventCheck: EventBatchCheck {
    public let rules: [RuleCatalogue.Entry]
    public var handledTypes: Set<String> { CaseAction.eventTypes.union([RuleSettings.eventType]) }

    public init(rules: [RuleCatalogue.Entry] = RuleCatalogue.entries) {
        self.rules = rules
    }

    public func check(_ events: [ProposedEvent], store: EventStore) throws(ValidationError) {
        var cases: [String: CaseState] = [:]
        var knownFlags: Set<String> = []
        for (index, event) in events.enumerated() {
            func refuse(_ pointer: String, _ rule: String) -> ValidationError { ValidationError(index: index, pointer: pointer, rule: rule) }
            if event.type == RuleSettings.eventType {
                let p = event.payload
                let version: Int64? = if case let .integer(v)? = p["ruleVersion"] { v } else { nil }
                do {
                    try RuleConfigurationCheck.check(ruleId: p["ruleId"]?.stringValue ?? "", ruleVersion: version,
                                                     parameters: p["parameters"]?.objectValue ?? [:],
                                                     reason: p["reason"]?.stringValue ?? "", rules: rules)
                } catch { throw refuse(error.pointer, error.description) }
                continue
            }
            guard CaseAction.eventTypes.contains(event.type) else { continue }
            guard event.stream.hasPrefix(CaseTable.streamPrefix) else {
                throw refuse("/stream", "\(event.type) events belong on streams named case:<flag id>; \(event.stream) is not one")
            }
            let flagId = String(event.stream.dropFirst(CaseTable.streamPrefix.count))
            guard let action = CaseAction(type: event.type, payload: event.payload) else {
                throw refuse("/payload", "is not a valid \(event.type) payload (see Schemas/events/\(event.type).schema.json)")
            }
            for (field, value) in action.payload.sorted(by: { $0.key < $1.key })
            where value.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true {
                throw refuse("/payload/" + field, "must not be blank")
            }
            if !knownFlags.contains(flagId) {
                let known: Bool
                do { known = try store.withProjectionSnapshot { try FlagQueue.contains(flagId, in: $0) } } catch {
                    throw refuse("/stream", "the flag tables cannot be read: \(error)")
                }
                guard known else { throw refuse("/payload/flagId", "no flag \(flagId); list them with `oda-ledger flags`") }
                knownFlags.insert(flagId)
            }
            let recorded: [EventEnvelope]
            do { recorded = try store.events(EventQuery(stream: event.stream)).map(\.envelope) } catch {
                throw refuse("/stream", "cannot be read: \(error)")
            }
            // An idempotent retry of a recorded action: the append returns the original event.
            if let key = event.idempotencyKey, recorded.contains(where: { $0.idempotencyKey == key }) { continue }
            var state = cases[flagId] ?? CaseState(folding: recorded)
            do { try state.apply(action) } catch { throw refuse("/type", "\(error.description); nothing was appended") }
            cases[flagId] = state
        }
    }
}

extension CaseState {
    /// The state after a case stream's recorded events; events the workflow would have refused
    /// (they can only come from outside the checked paths) are skipped, as `CaseProjector` does.
    public init(folding events: [EventEnvelope]) {
        self.init()
        for e in events {
            if let action = CaseAction(type: e.type, payload: e.payload) { try? apply(action) }
        }
    }
}
