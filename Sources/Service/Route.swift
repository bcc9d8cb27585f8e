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

    /// Every route with its template split into segments, computed once.
    static let table: [(route: Route, segments: [Substring])] = allCases.map {
        ($0, $0.template.split(separator: "/", omittingEmptySubsequences: false))
    }

    /// The routes whose template `path` fits, each with its path parameters. The path is split
    /// once, and a segment is percent-decoded only when it fills a parameter and holds a `%`.
    static func candidates(for path: Substring) -> [(route: Route, parameters: [String: String])] {
        let have = path.split(separator: "/", omittingEmptySubsequences: false)
        var found: [(Route, [String: String])] = []
        for (route, want) in table where want.count == have.count {
            if let parameters = match(want, have) { found.append((route, parameters)) }
        }
        return found
    }

    /// The path parameters when `path` fits `template`, else nil.
    func match(_ path: Substring) -> [String: String]? {
        Self.match(template.split(separator: "/", omittingEmptySubsequences: false),
                   path.split(separator: "/", omittingEmptySubsequences: false))
    }

    private static func match(_ want: [Substring], _ have: [Substring]) -> [String: String]? {
        guard want.count == have.count else { return nil }
        var parameters: [String: String] = [:]
        for (w, h) in zip(want, have) {
            if w.utf8.first == UInt8(ascii: "{") {
                guard !h.isEmpty else { return nil }
                if h.utf8.contains(UInt8(ascii: "%")) {
                    guard let decoded = String(h).removingPercentEncoding else { return nil }
                    parameters[String(w.dropFirst().dropLast())] = decoded
                } else {
                    parameters[String(w.dropFirst().dropLast())] = String(h)
                }
            } else if !w.utf8.elementsEqual(h.utf8) {
                // Bytes, not Unicode equivalence: a path matches its template exactly or not at all.
                return nil
            }
        }
        return parameters
    }
}
