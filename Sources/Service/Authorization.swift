/// Which role may use which route, before any route-specific rule (event types in
/// ``Role/mayAppend(type:)``, provinces in ``ProvinceScope``).
///
/// | route | allowed |
/// |---|---|
/// | health | everyone, without a token |
/// | metrics | admin |
/// | POST events | recorder, approver, admin (then by event type and province) |
/// | GET events | every national user; provincial users read by project |
/// | GET project events | every role; provincial users only their province's projects |
/// | checkpoints, proofs | inspector, auditor, admin |
enum Authorization {
    static func check(_ route: Route, user: User) throws {
        let allowed: Bool
        var reason = "the \(user.role.rawValue) role may not use \(route.method) \(route.template)"
        switch route {
        case .health: allowed = true
        case .metrics: allowed = user.role == .admin
        case .appendEvents: allowed = user.role.appends
        case .listEvents:
            allowed = user.province == nil
            if !allowed { reason = "provincial staff read events per project, through GET /v1/projects/{id}/events" }
        case .projectEvents: allowed = true
        case .latestCheckpoint, .inclusionProof, .consistencyProof:
            allowed = [.inspector, .auditor, .admin].contains(user.role)
        }
        guard allowed else { throw ProblemDetails(.forbidden, "forbidden", reason) }
    }
}
