import CanonicalJSON
import Foundation
import Service
import XCTest

/// `Schemas/openapi.json` and the routes the server serves name the same operations, both ways.
final class OpenAPISpecTests: XCTestCase {
    func testSpecAndRoutesMatch() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/openapi.json")
        let spec = try JSONValue.parse(Array(try Data(contentsOf: url)))
        XCTAssertEqual(spec.objectValue?["openapi"]?.stringValue, "3.1.0")
        let paths = try XCTUnwrap(spec.objectValue?["paths"]?.objectValue)
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in try XCTUnwrap(item.objectValue).keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert(method.uppercased() + " " + path)
            }
        }
        let served = Set(Route.allCases.map { $0.method + " " + $0.template })
        XCTAssertEqual(documented.subtracting(served), [], "documented but not served")
        XCTAssertEqual(served.subtracting(documented), [], "served but not documented")
    }

    func testServedRoutesAnswerAndUndocumentedOnesDoNot() throws {
        let h = try ServiceHarness()
        let admin = try h.token("admin", .admin)
        for route in Route.allCases where route.method == "GET" {
            let path = route.template.replacingOccurrences(of: "{id}", with: "P-1").replacingOccurrences(of: "{size}", with: "1")
            let reply = h.request("GET", path, token: admin)
            // /v1/checkpoints/latest answers 404 while there is no checkpoint, but as no-checkpoint, not as an unknown path.
            XCTAssertNotEqual(reply.json?.objectValue?["type"]?.stringValue, "https://oda-ledger.example/problems/not-found", path)
            XCTAssertNotEqual(reply.status, 405, path)
        }
        XCTAssertEqual(h.request("GET", "/v1/projects", token: admin).status, 404)
        XCTAssertEqual(h.request("GET", "/v2/events", token: admin).status, 404)
    }
}
