import CanonicalJSON
import EventLog
import Foundation
import Service
import XCTest

/// `POST /v1/events` and the event reads, through the real server and URLSession.
final class EventRoutesTests: XCTestCase {
    func testHealthNeedsNoTokenAndEverythingElseDoes() throws {
        let h = try ServiceHarness()
        let health = h.request("GET", "/v1/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.json, ["size": 0, "status": "ok"])

        let missing = h.request("GET", "/v1/events")
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.header("Content-Type"), "application/problem+json")
        XCTAssertEqual(missing.header("WWW-Authenticate"), "Bearer realm=\"oda-ledger\"")
        XCTAssertEqual(missing.json?.objectValue?["status"], 401)
        XCTAssertNotNil(missing.json?.objectValue?["type"]?.stringValue)
        XCTAssertNotNil(missing.json?.objectValue?["title"]?.stringValue)

        XCTAssertEqual(h.request("GET", "/v1/events", token: "odal_" + String(repeating: "A", count: 43)).status, 401)
        XCTAssertEqual(h.request("GET", "/v1/events", token: "not-a-token").status, 401)
    }

    func testRevokedTokenNoLongerAuthenticates() throws {
        let h = try ServiceHarness()
        let token = try h.token("somsack", .inspector)
        XCTAssertEqual(h.request("GET", "/v1/events", token: token).status, 200)
        try h.users.revoke(name: "somsack")
        XCTAssertEqual(h.request("GET", "/v1/events", token: token).status, 401)
    }

    func testAppendRecordsTheAuthenticatedUserAsActor() throws {
        let h = try ServiceHarness()
        let token = try h.token("vanh", .recorder, .savannakhet)
        let reply = h.request("POST", "/v1/events", token: token,
                              body: "[\(Sample.proposal("P-1")),\(Sample.location("P-1", ["LA-SV"]))]")
        XCTAssertEqual(reply.status, 201, reply.text)
        let results = try XCTUnwrap(reply.json?.arrayValue)
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(results[0].objectValue?["seq"], 1)
        XCTAssertEqual(results[1].objectValue?["streamVersion"], 2)
        let recorded = try XCTUnwrap(h.store.event(at: 1))
        XCTAssertEqual(recorded.envelope.actor.id, "user:vanh")
        XCTAssertEqual(recorded.envelope.actor.role, "recorder")
        XCTAssertEqual(recorded.envelope.actor.unit, "LA-SV")
    }

    func testAnActorInTheBodyIsRefused() throws {
        let h = try ServiceHarness()
        let token = try h.token("admin", .admin)
        var body = Sample.proposal("P-1")
        body.removeLast()
        body += ",\"actor\":{\"id\":\"user:someone-else\"}}"
        let reply = h.request("POST", "/v1/events", token: token, body: body)
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(reply.json?.objectValue?["pointer"], "/actor")
        XCTAssertEqual(try h.store.head().seq, 0)
    }

    func testValidationErrorNamesTheEventAndPointer() throws {
        let h = try ServiceHarness()
        let token = try h.token("admin", .admin)
        let bad = Sample.location("P-1", ["LA-SV"]).replacingOccurrences(of: "\"100\"", with: "\"90\"")
        let reply = h.request("POST", "/v1/events", token: token, body: "[\(Sample.proposal("P-1")),\(bad)]")
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(reply.json?.objectValue?["pointer"], "/1/payload/allocations")
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        XCTAssertTrue(reply.json?.objectValue?["detail"]?.stringValue?.contains("100") ?? false, reply.text)
        XCTAssertEqual(try h.store.head().seq, 0, "nothing of a refused batch is written")
    }

    func testVersionConflictReportsTheActualVersion() throws {
        let h = try ServiceHarness()
        let token = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: token, body: Sample.proposal("P-1")).status, 201)
        var stale = Sample.commitment("P-1", "C-1")
        stale.removeLast()
        stale += ",\"expectedVersion\":0}"
        let reply = h.request("POST", "/v1/events", token: token, body: stale)
        XCTAssertEqual(reply.status, 409, reply.text)
        XCTAssertEqual(reply.json?.objectValue?["actualVersion"], 1)
        XCTAssertEqual(reply.json?.objectValue?["expectedVersion"], 0)
        XCTAssertEqual(reply.json?.objectValue?["stream"], "project:P-1")
    }

    func testIdempotentRetryReturnsTheOriginalEvent() throws {
        let h = try ServiceHarness()
        let token = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: token, body: Sample.proposal("P-1")).status, 201)
        var keyed = Sample.commitment("P-1", "C-1")
        keyed.removeLast()
        keyed += ",\"idempotencyKey\":\"k-1\"}"
        let first = h.request("POST", "/v1/events", token: token, body: keyed)
        XCTAssertEqual(first.status, 201, first.text)
        let retry = h.request("POST", "/v1/events", token: token, body: keyed)
        XCTAssertEqual(retry.status, 200, retry.text)
        XCTAssertEqual(retry.json?.arrayValue?.first?.objectValue?["alreadyRecorded"], true)
        XCTAssertEqual(retry.json?.arrayValue?.first?.objectValue?["seq"], 2)
        let other = h.request("POST", "/v1/events", token: token, body: keyed.replacingOccurrences(of: "C-1", with: "C-2"))
        XCTAssertEqual(other.status, 409, other.text)
        XCTAssertEqual(other.json?.objectValue?["originalSeq"], 2)
        XCTAssertEqual(try h.store.head().seq, 2)
    }

    func testMalformedBodiesAreRefusedClearly() throws {
        let h = try ServiceHarness()
        let token = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: token, body: "{not json").status, 400)
        XCTAssertEqual(h.request("POST", "/v1/events", token: token, body: "[]").status, 422)
        XCTAssertEqual(h.request("POST", "/v1/events", token: token, body: "42").status, 400)
        XCTAssertEqual(h.request("POST", "/v1/events", token: token, body: Sample.proposal("P-1"), contentType: "text/plain").status, 415)
        let missing = h.request("POST", "/v1/events", token: token, body: "[{\"stream\":\"project:P-1\",\"payload\":{}}]")
        XCTAssertEqual(missing.status, 422)
        XCTAssertEqual(missing.json?.objectValue?["pointer"], "/0/type")
        XCTAssertEqual(h.request("DELETE", "/v1/events", token: token).status, 405)
        XCTAssertEqual(h.request("DELETE", "/v1/events", token: token).header("Allow"), "POST, GET")
        XCTAssertEqual(h.request("GET", "/v1/nothing", token: token).status, 404)
        XCTAssertEqual(try h.store.head().seq, 0)
    }

    func testReadsFilterAndPage() throws {
        let h = try ServiceHarness()
        let admin = try h.token("admin", .admin)
        let events = [Sample.organisation, Sample.proposal("P-1"), Sample.proposal("P-2"),
                      Sample.commitment("P-1", "C-1"), Sample.commitment("P-1", "C-2")]
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: "[\(events.joined(separator: ","))]").status, 201)
        let inspector = try h.token("noy", .inspector)

        let all = h.request("GET", "/v1/events", token: inspector)
        XCTAssertEqual(all.status, 200, all.text)
        let lines = try XCTUnwrap(all.json?.arrayValue)
        XCTAssertEqual(lines.count, 5)
        XCTAssertEqual(lines[0].objectValue?["hash"]?.stringValue, try h.store.event(at: 1)?.hash.hex)
        XCTAssertNil(all.header("Next-From"))

        let page = h.request("GET", "/v1/events?from=2&limit=2", token: inspector)
        XCTAssertEqual(page.json?.arrayValue?.compactMap { $0.objectValue?["seq"] }, [2, 3])
        XCTAssertEqual(page.header("Next-From"), "4")

        let byType = h.request("GET", "/v1/events?type=CommitmentRecorded&stream=project%3AP-1", token: inspector)
        XCTAssertEqual(byType.json?.arrayValue?.compactMap { $0.objectValue?["seq"] }, [4, 5])

        let project = h.request("GET", "/v1/projects/P-1/events?to=4", token: inspector)
        XCTAssertEqual(project.json?.arrayValue?.compactMap { $0.objectValue?["seq"] }, [2, 4])

        XCTAssertEqual(h.request("GET", "/v1/events?limit=1001", token: inspector).status, 400)
        XCTAssertEqual(h.request("GET", "/v1/events?form=2", token: inspector).status, 400)
        XCTAssertEqual(h.request("GET", "/v1/events?from=x", token: inspector).status, 400)
        XCTAssertEqual(h.request("GET", "/v1/projects/P-1/events?stream=org%3AX", token: inspector).status, 400)
    }

    func testMetricsCountRequestsAndAppends() throws {
        let h = try ServiceHarness()
        let admin = try h.token("admin", .admin)
        _ = h.request("GET", "/v1/events")
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.proposal("P-1")).status, 201)
        let metrics = h.request("GET", "/v1/metrics", token: admin)
        XCTAssertEqual(metrics.status, 200)
        let object = try XCTUnwrap(metrics.json?.objectValue)
        XCTAssertEqual(object["eventsAppended"], 1)
        XCTAssertEqual(object["unauthorized"], 1)
        XCTAssertEqual(object["requests"], 2, "the metrics request itself is counted after it is answered")
    }
}
