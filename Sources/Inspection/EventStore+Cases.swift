import CanonicalJSON
import Foundation
import EventLog

/// Why a case action was not recorded.
public enum CaseError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownFlag(String)
    case refused(CaseTransitionError)
    case emptyText(String)

    public var description: String {
        switch self {
        case let .unknownFlag(id): "no flag \(id); list them with `oda-ledger flags`"
        case let .refused(error): error.description
        case let .emptyText(field): "\(field) must not be empty"
        }
    }
}

extension EventStore {
    /// Records an inspector's action on flag `flagId` as an event in `case:{flagId}`, after
    /// checking that the flag exists and the transition makes sense from the case's events. The
    /// append names the stream version it read, so two inspectors acting at once cannot both pass
    /// the check on the same state: the second append fails and can be retried.
    @discardableResult
    public func recordCaseAction(_ action: CaseAction, flagId: String, actor: Actor) throws -> (seq: Int64, status: CaseStatus) {
        guard try withProjectionSnapshot({ try FlagQueue.contains(flagId, in: $0) }) else { throw CaseError.unknownFlag(flagId) }
        for (field, text) in action.payload where text.stringValue?.trimmingCharacters(in: .whitespaces).isEmpty == true {
            throw CaseError.emptyText(field)
        }
        let stream = CaseTable.streamPrefix + flagId
        let history = try events(EventQuery(stream: stream))
        var state = CaseState(folding: history.map(\.envelope))
        do { try state.apply(action) } catch { throw CaseError.refused(error) }
        var payload = action.payload
        payload["flagId"] = .string(flagId)
        let proposed = try ProposedEvent(stream: stream, type: action.eventType, payload: payload,
                                         expectedVersion: Int64(history.count))
        let outcome = try append([proposed], actor: actor)
        return (outcome.first?.event.seq ?? 0, state.status)
    }
}
