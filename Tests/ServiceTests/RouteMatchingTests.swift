import Foundation
@testable import Service
import XCTest

/// `Route.candidates(for:)` (bytes compared in place) against a plain reference matcher over
/// split strings, on every template and on generated paths around them; and the byte-level
/// `Content-Type` check against a Foundation-based reference.
final class RouteMatchingTests: XCTestCase {
    /// The straightforward reading of the templates: split both on `/`, literal segments equal
    /// byte for byte, a `{name}` segment non-empty and percent-decoded when it holds a `%`.
    private func reference(_ path: String) -> [(Route, [String: String])] {
        let have = path.split(separator: "/", omittingEmptySubsequences: false)
        var found: [(Route, [String: String])] = []
        routes: for route in Route.allCases {
            let want = route.template.split(separator: "/", omittingEmptySubsequences: false)
            guard want.count == have.count else { continue }
            var parameters: [String: String] = [:]
            for (w, h) in zip(want, have) {
                if w.hasPrefix("{") {
                    guard !h.isEmpty else { continue routes }
                    if h.contains("%") {
                        guard let decoded = String(h).removingPercentEncoding else { continue routes }
                        parameters[String(w.dropFirst().dropLast())] = decoded
                    } else {
                        parameters[String(w.dropFirst().dropLast())] = String(h)
                    }
                } else if Array(w.utf8) != Array(h.utf8) {
                    continue routes
                }
            }
            found.append((route, parameters))
        }
        return found
    }

    func testCandidatesAgreeWithTheReferenceMatcher() {
        var paths = Route.allCases.map(\.template) + [
            "", "/", "//", "/v1", "/v1/", "/v1/projects", "/v1/projects/", "/v1/projects//events", "/v1/projects/P-1",
            "/v1/projects/P%2F1/history", "/v1/projects/P%zz", "/v1/projects/ປ-1", "/v1/flags/F-1/actions/",
            "/v1/checkpoints/12/cosignatures", "/v1/checkpoints/latest", "/V1/health", "/v1/health/", "v1/health",
            "/v1/projects/caf\u{E9}/events", "/v1/projects/cafe\u{301}/events",
        ]
        // Templates with their parameters filled, segments dropped, doubled or altered.
        var generator = SystemRandomNumberGenerator()
        let fillers = ["P-1", "a%20b", "%", "x", "", "latest", "events", "ປ"]
        for template in Route.allCases.map(\.template) {
            for _ in 0 ..< 20 {
                var segments = template.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                for index in segments.indices where segments[index].hasPrefix("{") {
                    segments[index] = fillers.randomElement(using: &generator)!
                }
                switch Int.random(in: 0 ..< 4, using: &generator) {
                case 0: segments.append(fillers.randomElement(using: &generator)!)
                case 1: if segments.count > 1 { segments.removeLast() }
                case 2: segments[Int.random(in: 0 ..< segments.count, using: &generator)] += "x"
                default: break
                }
                paths.append(segments.joined(separator: "/"))
            }
        }
        for path in paths {
            let fast = Route.candidates(for: Substring(path)).map { "\($0.route) \($0.parameters.sorted { $0.key < $1.key })" }
            let slow = reference(path).map { "\($0.0) \($0.1.sorted { $0.key < $1.key })" }
            XCTAssertEqual(fast, slow, path)
        }
    }

    func testJSONMediaTypeAgreesWithTheFoundationReading() {
        let values: [String?] = [
            nil, "", "application/json", "Application/JSON", " application/json ", "\tapplication/json; charset=utf-8",
            "application/json;", "application/jsonx", "application/js", "text/json", "application/json ; q=1",
            "application/problem+json", ";application/json", "application /json", "APPLICATION/JSON;charset=UTF-8",
            "applicatıon/json",  // dotless i: not ASCII, never folds to "i"
        ]
        for value in values {
            let reference = value?.split(separator: ";", omittingEmptySubsequences: false).first
                .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: " \t")) }
                .map { $0.unicodeScalars.allSatisfy(\.isASCII) ? $0.lowercased() : $0 } == "application/json"
            XCTAssertEqual(MediaType.isJSON(value), reference, String(describing: value))
        }
    }
}
