import CanonicalJSON
import EventLog
import Foundation
import Inspection
import ODA
import Service
import XCTest

/// `GET /v1/flags`, `GET /v1/flags/{id}` and `POST /v1/flags/{id}/actions`.
final class FlagRoutesTests: XCTestCase {
    func testFiltersNarrowTheListAndProvincialStaffSeeOnlyTheirs() throws {
        let h = try ServiceHarness()
        let sv = try h.flaggedProject("P-SV", provinces: ["LA-SV"])
        let vt = try h.flaggedProject("P-VT", provinces: ["LA-VT"])
        let inspector = try h.token("inspector", .inspector)
        func ids(_ query: String, token: String) -> Set<String> {
            let reply = h.request("GET", "/v1/flags" + query, token: token)
            XCTAssertEqual(reply.status, 200, "\(query): \(reply.text)")
            return Set(reply.json?.objectValue?["flags"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? [])
        }
        let rule = "?rule=disbursement-above-commitment"
        XCTAssertEqual(ids(rule, token: inspector), [sv, vt])
        XCTAssertEqual(ids(rule + "&project=P-SV", token: inspector), [sv])
        XCTAssertEqual(ids(rule + "&province=LA-VT", token: inspector), [vt])
        XCTAssertEqual(ids(rule + "&partner=XM-DAC-41114", token: inspector), [sv, vt])
        XCTAssertEqual(ids(rule + "&partner=XM-OTHER", token: inspector), [])
        XCTAssertEqual(ids(rule + "&severity=high", token: inspector), [sv, vt])
        XCTAssertEqual(ids(rule + "&severity=low", token: inspector), [])
        XCTAssertEqual(ids(rule + "&status=open", token: inspector), [sv, vt])
        XCTAssertEqual(ids(rule + "&since=2000-01-01", token: inspector), [sv, vt])
        XCTAssertEqual(ids(rule + "&since=2999-01-01", token: inspector), [])
        let page = h.request("GET", "/v1/flags" + rule + "&limit=1&offset=1", token: inspector)
        XCTAssertEqual(page.json?.objectValue?["total"], .integer(2))
        XCTAssertEqual(page.json?.objectValue?["flags"]?.arrayValue?.count, 1)

        let provincial = try h.token("insp-sv", .inspector, .savannakhet)
        XCTAssertEqual(ids(rule, token: provincial), [sv])
        XCTAssertEqual(h.request("GET", "/v1/flags/\(vt)", token: provincial).status, 403)
        XCTAssertEqual(h.request("GET", "/v1/flags/\(sv)", token: provincial).status, 200)

        for bad in ["?severity=urgent", "?status=pending", "?rule=no-such-rule", "?since=yesterday", "?province=Vientiane", "?limit=0", "?colour=red"] {
            XCTAssertEqual(h.request("GET", "/v1/flags" + bad, token: inspector).status, 400, bad)
        }
        XCTAssertEqual(h.request("GET", "/v1/flags/0000", token: inspector).status, 404)
    }

    func testDetailShowsEvidenceAndTheCaseFollowsTheWorkflow() throws {
        let h = try ServiceHarness()
        let flag = try h.flaggedProject("P-1", provinces: ["LA-SV"])
        let inspector = try h.token("ines", .inspector)
        func act(_ body: String) -> ServiceHarness.Reply { h.request("POST", "/v1/flags/\(flag)/actions", token: inspector, body: body) }

        let detail = h.request("GET", "/v1/flags/\(flag)", token: inspector)
        XCTAssertEqual(detail.status, 200, detail.text)
        let object = try XCTUnwrap(detail.json?.objectValue)
        let evidence = try XCTUnwrap(object["evidenceEvents"]?.arrayValue)
        XCTAssertFalse(evidence.isEmpty)
        XCTAssertTrue(evidence.allSatisfy { $0.objectValue?["hashVerifies"] == .bool(true) })
        XCTAssertEqual(evidence.last?.objectValue?["event"]?.objectValue?["type"], "DisbursementRecorded")
        XCTAssertEqual(object["case"]?.objectValue?["status"], "open")

        let assigned = act(#"{"action":"assign","assignee":"user:ines","note":"mine"}"#)
        XCTAssertEqual(assigned.status, 201, assigned.text)
        XCTAssertEqual(assigned.json?.objectValue?["status"], "assigned")
        XCTAssertEqual(act(#"{"action":"comment","text":"asked the PMU"}"#).status, 201)
        XCTAssertEqual(act(#"{"action":"request-information","from":"LA-MPWT","text":"payment vouchers"}"#).status, 201)
        XCTAssertEqual(act(#"{"action":"escalate","to":"DOI director","reason":"large amount"}"#).json?.objectValue?["status"], "escalated")
        let dismissed = act(#"{"action":"dismiss","reasonCode":"documented-legitimate-reason","text":"advance payment agreed"}"#)
        XCTAssertEqual(dismissed.json?.objectValue?["status"], "dismissed", dismissed.text)
        // The workflow refuses a second dismissal and closing a dismissed case; reopen then close works.
        XCTAssertEqual(act(#"{"action":"dismiss","reasonCode":"duplicate-alert","text":"again"}"#).status, 409)
        XCTAssertEqual(act(#"{"action":"reopen","reason":"new evidence"}"#).json?.objectValue?["status"], "open")
        // Closing with an outcome needs the case assigned or escalated first.
        XCTAssertEqual(act(#"{"action":"close","outcome":"substantiated","text":"too early"}"#).status, 409)
        XCTAssertEqual(act(#"{"action":"assign","assignee":"user:ines"}"#).status, 201)
        XCTAssertEqual(act(#"{"action":"close","outcome":"substantiated","text":"referred to court"}"#).json?.objectValue?["status"], "closed")

        // Bad bodies: each a 422 naming the field, or 415 / 400 for the envelope.
        let badBodies: [(String, String)] = [
            (#"{"action":"dismiss","reasonCode":"because","text":"x"}"#, "/reasonCode"),
            (#"{"action":"close","outcome":"fine","text":"x"}"#, "/outcome"),
            (#"{"action":"assign"}"#, "/assignee"),
            (#"{"action":"comment","text":"x","colour":"red"}"#, "/colour"),
            (#"{"action":"shred"}"#, "/action"),
            (#"{"action":"comment","text":"  "}"#, "/text"),
            (#"{"action":"comment","text":"x","actor":{"id":"user:someone-else"}}"#, "/actor"),
        ]
        for (body, pointer) in badBodies {
            let reply = act(body)
            XCTAssertEqual(reply.status, 422, body + " " + reply.text)
            XCTAssertEqual(reply.json?.objectValue?["pointer"]?.stringValue, pointer, body)
        }
        XCTAssertEqual(act("not json").status, 400)
        XCTAssertEqual(h.request("POST", "/v1/flags/\(flag)/actions", token: inspector, body: #"{"action":"comment","text":"x"}"#, contentType: "text/plain").status, 415)
        XCTAssertEqual(h.request("POST", "/v1/flags/nope/actions", token: inspector, body: #"{"action":"comment","text":"x"}"#).status, 404)

        // Every case event names the inspector as actor, and the detail shows them all.
        let events = try h.store.events(EventQuery(stream: CaseTable.streamPrefix + flag))
        XCTAssertEqual(events.count, 8)
        XCTAssertTrue(events.allSatisfy { $0.envelope.actor.id == "user:ines" && $0.envelope.actor.role == "inspector" })
        let after = h.request("GET", "/v1/flags/\(flag)", token: inspector).json?.objectValue
        XCTAssertEqual(after?["status"], "closed")
        XCTAssertEqual(after?["case"]?.objectValue?["actions"]?.arrayValue?.count, 8)
        XCTAssertEqual(h.request("GET", "/v1/flags?status=closed", token: inspector).json?.objectValue?["total"], .integer(1))
    }

    func testCaseEventsCannotBeAppendedAroundTheWorkflow() throws {
        let h = try ServiceHarness()
        let flag = try h.flaggedProject("P-1", provinces: ["LA-SV"])
        let admin = try h.token("admin", .admin)
        let reply = h.request("POST", "/v1/events", token: admin, body: """
            {"stream":"case:\(flag)","type":"CaseDismissed","payload":{"flagId":"\(flag)","reasonCode":"duplicate-alert","text":"gone"}}
            """)
        XCTAssertEqual(reply.status, 403, reply.text)
        XCTAssertEqual(reply.json?.objectValue?["pointer"], "/type")
        XCTAssertEqual(try h.store.version(of: "case:\(flag)"), 0)
    }
}
