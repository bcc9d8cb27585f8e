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

    /// One segment of a template: bytes to match exactly, or a named parameter.
    private enum Segment {
        case literal([UInt8])
        case parameter(String)
    }

    /// Every route with its template split into segments, computed once.
    private static let table: [(route: Route, segments: [Segment])] = allCases.map { route in
        (route, route.template.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.utf8.first == UInt8(ascii: "{") ? .parameter(String(segment.dropFirst().dropLast())) : .literal(Array(segment.utf8))
        })
    }

    /// The routes whose template `path` fits, each with its path parameters. The path's bytes are
    /// compared in place (this runs on every request); a segment becomes a String only when it
    /// fills a parameter, and is percent-decoded only when it holds a `%`.
    static func candidates(for path: Substring) -> [(route: Route, parameters: [String: String])] {
        var found: [(Route, [String: String])] = []
        var path = path
        path.withUTF8 { bytes in
            // Segment boundaries: segment i is bytes[bounds[i] ..< bounds[i + 1] - 1].
            var bounds = [0]
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "/") { bounds.append(index + 1) }
            bounds.append(bytes.count + 1)
            let segmentCount = bounds.count - 1
            for (route, want) in table where want.count == segmentCount {
                if let parameters = match(want, bytes, bounds) { found.append((route, parameters)) }
            }
        }
        return found
    }

    /// The path parameters when `path` fits `template`, else nil.
    func match(_ path: Substring) -> [String: String]? {
        Self.candidates(for: path).first { $0.route == self }?.parameters
    }

    private static func match(_ want: [Segment], _ bytes: UnsafeBufferPointer<UInt8>, _ bounds: [Int]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (index, segment) in want.enumerated() {
            let have = UnsafeBufferPointer(rebasing: bytes[bounds[index] ..< bounds[index + 1] - 1])
            switch segment {
            case let .literal(literal):
                // Bytes, not Unicode equivalence: a path matches its template exactly or not at all.
                guard have.elementsEqual(literal) else { return nil }
            case let .parameter(name):
                guard !have.isEmpty else { return nil }
                let text = String(decoding: have, as: UTF8.self)
                if have.contains(UInt8(ascii: "%")) {
                    guard let decoded = text.removingPercentEncoding else { return nil }
                    parameters[name] = decoded
                } else {
                    parameters[name] = text
                }
            }
        }
        return parameters
    }
}
