/// Where a project is in its lifecycle.
///
/// ```
/// proposed ──ProjectApproved──▶ approved ──▶ active ──▶ completed ──▶ closed
///     │                            │          │  ▲  └──────────────────▲
///     └──────────▶ cancelled ◀─────┘          ▼  │                     │
///                                          suspended          (active ─▶ closed)
/// ```
/// `proposed → approved` happens only through `ProjectApproved` (which names the authority); every
/// other move is a `ProjectStatusChanged` listed in `allowedTransitions`. `closed` and `cancelled`
/// are final. A suspended project must be resumed (`active`) before it can complete or close.
public enum ProjectStatus: String, Sendable, CaseIterable, Hashable {
    case proposed, approved, active, suspended, completed, closed, cancelled

    /// The moves `ProjectStatusChanged` may record.
    public static let allowedTransitions: [ProjectStatus: Set<ProjectStatus>] = [
        .proposed: [.cancelled],
        .approved: [.active, .cancelled],
        .active: [.suspended, .completed, .closed],
        .suspended: [.active],
        .completed: [.closed],
        .closed: [],
        .cancelled: [],
    ]

    public func canChange(to next: ProjectStatus) -> Bool {
        Self.allowedTransitions[self, default: []].contains(next)
    }

    /// The statuses reachable from here by `ProjectStatusChanged`, for error messages.
    var allowedNextText: String {
        let next = Self.allCases.filter(canChange(to:)).map(\.rawValue)
        if self == .proposed { return "approved (through ProjectApproved) or cancelled" }
        return next.isEmpty ? "none: \(rawValue) is final" : next.joined(separator: " or ")
    }
}
