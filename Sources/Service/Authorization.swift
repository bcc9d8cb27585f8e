/// Which role may use which route, before any route-specific rule (event types in
/// ``Role/mayAppend(type:)``, provinces in ``ProvinceScope``).
///
/// | route | allowed |
/// |---|---|
/// | health | everyone, without a token |
/// | metrics | admin |
/// | POST events | recorder, approver, admin (then by event type and province) |
/// | GET events | every national user; provincial users read by project |
/// | project events, state, history | every role; provincial users only their province's projects |
/// | portfolio | every role; provincial users only `by=province`, and only their province's row |
/// | flags, a flag | inspector, auditor, admin; provincial users only flags of their province's projects |
/// | case actions | inspector only (a case is an inspector's judgement; the actor is the token's user) |
/// | checkpoints, cosignatures (list), proofs | inspector, auditor, admin |
/// | cosignatures (submit) | auditor only (a cosignature is an independent witness's statement) |
enum Authorization {
    static let readers: Set<Role> = [.inspector, .auditor, .admin]

    static func check(_ route: Route, user: User) throws {
        let allowed: Bool
        // The message is built only for a refusal: this runs on every request.
        var reason: String?
        switch route {
        case .health: allowed = true
        case .metrics: allowed = user.role == .admin
        case .appendEvents: allowed = user.role.appends
        case .listEvents:
            allowed = user.province == nil
            if !allowed { reason = "provincial staff read events per project, through GET /v1/projects/{id}/events" }
        case .projectEvents, .projectState, .projectHistory, .portfolio: allowed = true
        case .listFlags, .flagDetail: allowed = readers.contains(user.role)
        case .caseAction:
            allowed = user.role == .inspector
            if !allowed { reason = "only inspectors act on cases; the \(user.role.rawValue) role may read flags at most" }
        case .latestCheckpoint, .listCosignatures, .inclusionProof, .consistencyProof:
            allowed = readers.contains(user.role)
        case .submitCosignature:
            allowed = user.role == .auditor
            if !allowed { reason = "only auditors cosign checkpoints, as independent witnesses" }
        }
        guard allowed else {
            throw ProblemDetails(.forbidden, "forbidden", reason ?? "the \(user.role.rawValue) role may not use \(route.method) \(route.template)")
        }
    }
}
