import CanonicalJSON
import EventLog
import Foundation
import ODA
import Service
import XCTest

/// `GET /v1/projects/{id}`, `/history` and `/v1/portfolio`, now and as of earlier points.
final class ProjectRoutesTests: XCTestCase {
    func testStateAndHistoryNowAndAsOfASeqOrADate() throws {
        let h = try ServiceHarness()
        let admin = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.organisation).status, 201)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: "[\(Sample.proposal("P-1")),\(Sample.location("P-1", ["LA-SV"]))]").status, 201)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.commitment("P-1", "C-1")).status, 201)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.commitment("P-1", "C-2")).status, 201)

        let now = h.request("GET", "/v1/projects/P-1", token: admin)
        XCTAssertEqual(now.status, 200, now.text)
        let state = try XCTUnwrap(now.json?.objectValue)
        XCTAssertEqual(state["projectId"], "P-1")
        XCTAssertEqual(state["asOfSeq"], .integer(5))
        XCTAssertEqual(state["transactions"]?.arrayValue?.count, 2)
        XCTAssertEqual(state["totals"]?.objectValue?["commitment"], .array([["amount": "2000", "currency": "USD"]]))

        // As of seq 4: one commitment; the history stops there too.
        let earlier = h.request("GET", "/v1/projects/P-1?asOf=4", token: admin)
        XCTAssertEqual(earlier.json?.objectValue?["asOfSeq"], .integer(4))
        XCTAssertEqual(earlier.json?.objectValue?["transactions"]?.arrayValue?.count, 1)
        let history = h.request("GET", "/v1/projects/P-1/history?asOf=4", token: admin)
        XCTAssertEqual(history.status, 200, history.text)
        XCTAssertEqual(history.json?.objectValue?["history"]?.arrayValue?.compactMap { $0.objectValue?["seq"]?.integerValue }, [2, 3, 4])
        XCTAssertEqual(history.json?.objectValue?["history"]?.arrayValue?.first?.objectValue?["actor"], "user:admin")
        // Before the project existed: 404; a date before anything was recorded too.
        XCTAssertEqual(h.request("GET", "/v1/projects/P-1?asOf=1", token: admin).status, 404)
        XCTAssertEqual(h.request("GET", "/v1/projects/P-1?asOf=2001-01-01", token: admin).status, 404)
        XCTAssertEqual(h.request("GET", "/v1/projects/P-1?asOf=2999-01-01", token: admin).json?.objectValue?["asOfSeq"], .integer(5))
        // Effective date: commitments are dated 2024-02-20, so at 2024-01-31 there are none.
        let effective = h.request("GET", "/v1/projects/P-1?effective=2024-01-31", token: admin)
        XCTAssertEqual(effective.status, 200, effective.text)
        XCTAssertEqual(effective.json?.objectValue?["transactions"]?.arrayValue?.count, 0)

        for bad in ["?asOf=yesterday", "?effective=2024-13-01", "?asOf=3&effective=2024-01-01", "?at=3"] {
            let reply = h.request("GET", "/v1/projects/P-1" + bad, token: admin)
            XCTAssertEqual(reply.status, 400, bad)
            XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        }
        XCTAssertEqual(h.request("GET", "/v1/projects/NOPE", token: admin).status, 404)
    }

    func testPortfolioByDimensionAndProvincialRow() throws {
        let h = try ServiceHarness()
        let admin = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.organisation).status, 201)
        for (id, province) in [("P-SV", "LA-SV"), ("P-VT", "LA-VT")] {
            XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: "[\(Sample.proposal(id)),\(Sample.location(id, [province]))]").status, 201)
            XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.commitment(id, "C-1")).status, 201)
        }
        let national = h.request("GET", "/v1/portfolio?by=province", token: admin)
        XCTAssertEqual(national.status, 200, national.text)
        let keys = national.json?.objectValue?["rows"]?.arrayValue?.compactMap { $0.objectValue?["key"]?.stringValue }
        XCTAssertEqual(Set(keys ?? []), ["LA-SV", "LA-VT"])
        let byPartner = h.request("GET", "/v1/portfolio?by=partner&year=2024", token: admin)
        XCTAssertEqual(byPartner.json?.objectValue?["rows"]?.arrayValue?.first?.objectValue?["committed"], "2000")

        let provincial = try h.token("sv", .inspector, .savannakhet)
        let own = h.request("GET", "/v1/portfolio?by=province", token: provincial)
        XCTAssertEqual(own.status, 200, own.text)
        XCTAssertEqual(own.json?.objectValue?["rows"]?.arrayValue?.compactMap { $0.objectValue?["key"]?.stringValue }, ["LA-SV"])
        XCTAssertEqual(own.json?.objectValue?["totals"]?.arrayValue?.first?.objectValue?["committed"], "1000")
        XCTAssertEqual(h.request("GET", "/v1/portfolio?by=sector", token: provincial).status, 403)
        XCTAssertEqual(h.request("GET", "/v1/portfolio?by=district", token: admin).status, 400)
        XCTAssertEqual(h.request("GET", "/v1/portfolio?currency=usd", token: admin).status, 400)
        // Converting to LAK needs an exchange rate the ledger does not have.
        let noRate = h.request("GET", "/v1/portfolio?currency=LAK", token: admin)
        XCTAssertEqual(noRate.status, 422, noRate.text)
    }
}
