/// What a user may do. Roles are fixed here rather than configurable so that the allow/deny
/// matrix is code that tests walk, not data that drifts.
public enum Role: String, Sendable, CaseIterable, Hashable {
    /// Records project events; a provincial recorder only on projects located in its province.
    case recorder
    /// Records approvals (`ProjectApproved`, `BudgetReopenApproved`).
    case approver
    /// Reads events, checkpoints and proofs.
    case inspector
    /// Reads events, checkpoints and proofs.
    case auditor
    /// May do everything, including metrics and `UserRoleGranted` / `UserRoleRevoked`.
    case admin

    /// Event types only an approver (or an admin) may append.
    public static let approvalTypes: Set<String> = ["ProjectApproved", "BudgetReopenApproved"]
    /// Event types only an admin may append: who holds which role is an admin's decision.
    public static let adminTypes: Set<String> = ["UserRoleGranted", "UserRoleRevoked"]

    /// Whether this role may append an event of `type` (the province rule is checked separately).
    public func mayAppend(type: String) -> Bool {
        switch self {
        case .admin: return true
        case .approver: return Self.approvalTypes.contains(type)
        case .recorder: return !Self.approvalTypes.contains(type) && !Self.adminTypes.contains(type)
        case .inspector, .auditor: return false
        }
    }

    /// Whether this role may append at all.
    public var appends: Bool { self == .admin || self == .approver || self == .recorder }
}
