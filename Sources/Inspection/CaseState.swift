/// Where a flag's case stands.
public enum CaseStatus: String, Sendable, CaseIterable {
    /// No inspector has acted yet (or the case was reopened and not yet reassigned).
    case open, assigned, escalated, dismissed, closed
}

/// A transition the workflow refuses, with what to do instead.
public struct CaseTransitionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let action: String
    public let status: CaseStatus
    public let hint: String

    public var description: String { "cannot \(action) a case that is \(status.rawValue): \(hint)" }
}

/// The case of one flag, folded from its events. The transition table is here and nowhere else,
/// so the CLI and any other caller refuse the same things.
public struct CaseState: Sendable, Equatable {
    public private(set) var status: CaseStatus = .open
    public private(set) var assignee: String?
    public private(set) var actions = 0

    public init() {}

    /// A state read back from the case table.
    init(status: CaseStatus, assignee: String?, actions: Int) {
        self.status = status
        self.assignee = assignee
        self.actions = actions
    }

    /// Applies `action`, or throws when it makes no sense in the current status.
    public mutating func apply(_ action: CaseAction) throws(CaseTransitionError) {
        func refuse(_ hint: String) -> CaseTransitionError { CaseTransitionError(action: action.verb, status: status, hint: hint) }
        let finished = status == .dismissed || status == .closed
        switch action {
        case .comment:
            break
        case .requestInformation:
            if finished { throw refuse("reopen it first") }
        case let .assign(to, _):
            if finished { throw refuse("reopen it first") }
            if status == .assigned && assignee == to { throw refuse("it is already assigned to \(to)") }
            status = .assigned
            assignee = to
        case .escalate:
            if finished { throw refuse("reopen it first") }
            status = .escalated
        case .dismiss:
            if finished { throw refuse("reopen it first") }
            status = .dismissed
        case .close:
            if finished { throw refuse("it is already finished; reopen it first") }
            if status == .open { throw refuse("assign or escalate it before closing it with an outcome, or dismiss it") }
            status = .closed
        case .reopen:
            if !finished { throw refuse("only a dismissed or closed case can be reopened") }
            status = .open
            assignee = nil
        }
        actions += 1
    }
}
