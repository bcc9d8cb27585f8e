import Foundation

/// The routes the service serves: one table, read by the router and checked against
/// `Schemas/openapi.json` by a test, so the spec and the server cannot drift apart.
public enum Route: String, Sendable, CaseIterable {
    case health, metrics, appendEvents, listEvents, projectEvents, projectState, projectHistory, portfolio
    case listFlags, flagDetail, caseAction
    case latestCheckpoint, listCosignatures, submitCosignature, inclusionProof, consistencyProof

    public var method: String {
        switch self {
        case .appendEvents, .caseAction, .submitCosignature: return "POST"
        default: return "GET"
        }
    }

    /// The OpenAPI path template; `{name}` matches one non-empty path segment.
    public var template: String {
        switch self {
        case .health: return "/v1/health"
        case .metrics: return "/v1/metrics"
        case .appendEvents, .listEvents: return "/v1/events"
        case .projectEvents: return "/v1/projects/{id}/events"
        case .projectState: return "/v1/projects/{id}"
        case .projectHistory: return "/v1/projects/{id}/history"
        case .portfolio: return "/v1/portfolio"
        case .listFlags: return "/v1/flags"
        case .flagDetail: return "/v1/flags/{id}"
        case .caseAction: return "/v1/flags/{id}/actions"
        case .latestCheckpoint: return "/v1/checkpoints/latest"
        case .listCosignatures, .submitCosignature: return "/v1/checkpoints/{size}/cosignatures"
        case .inclusionProof: return "/v1/proofs/inclusion"
        case .consistencyProof: return "/v1/proofs/consistency"
        }
    }

    /// Whether the route needs a bearer token (only health does not, so probes need no secret).
    public var requiresAuthentication: Bool { self != .health }

    /// The path parameters when `path` fits `template`, else nil.
    func match(_ path: Substring) -> [String: String]? {
        let want = template.split(separator: "/", omittingEmptySubsequences: false)
        let have = path.split(separator: "/", omittingEmptySubsequences: false)
        guard want.count == have.count else { return nil }
        var parameters: [String: String] = [:]
        for (w, h) in zip(want, have) {
            if w.hasPrefix("{") {
                guard !h.isEmpty, let decoded = String(h).removingPercentEncoding else { return nil }
                parameters[String(w.dropFirst().dropLast())] = decoded
            } else if w != h {
                return nil
            }
        }
        return parameters
    }
}
