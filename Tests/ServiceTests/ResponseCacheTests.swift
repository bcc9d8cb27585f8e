import CanonicalJSON
import EventLog
import Foundation
import HTTP
import ODA
import Service
import Synchronization
import XCTest

/// The response cache of project, history and flag reads: a hit returns exactly the bytes a fresh
/// computation returns, any change to the ledger (from this server, a case action, or another
/// process) makes the next read fresh, and authorization still runs for every request.
final class ResponseCacheTests: XCTestCase {
    /// Calls `service` directly (no sockets): the handler is what the cache lives in.
    private func get(_ service: LedgerService, _ target: String, token: String) -> HTTPResponse {
        service.handle(HTTPRequest(method: "GET", target: target, headers: ["Authorization": "Bearer " + token]))
    }

    private func cacheCounters(_ service: LedgerService, admin: String) throws -> (hits: Int64, misses: Int64) {
        let metrics = try XCTUnwrap(JSONValue.parse(get(service, "/v1/metrics", token: admin).body).objectValue)
        return (metrics["responseCacheHits"]?.integerValue ?? -1, metrics["responseCacheMisses"]?.integerValue ?? -1)
    }

    func testHitsAreByteIdenticalToFreshReadsAndEveryAppendInvalidates() throws {
        let h = try ServiceHarness()
        let flag = try h.flaggedProject("P-1", provinces: ["LA-SV"])
        _ = try h.flaggedProject("P-2", provinces: ["LA-VT"])
        let admin = try h.token("admin", .admin)
        let inspector = try h.token("inspector", .inspector)
        // The same store read without a cache: the reference for every cached answer.
        let fresh = LedgerService(store: h.store, users: h.users, cachesResponses: false)
        let targets = ["/v1/projects/P-1", "/v1/projects/P-1/history", "/v1/projects/P-1?asOf=2",
                       "/v1/flags", "/v1/flags?severity=high&limit=1", "/v1/flags?limit=1&severity=high"]

        func assertAllMatchFresh(_ when: String) {
            for target in targets {
                let cached = get(h.service, target, token: inspector)
                let reference = get(fresh, target, token: inspector)
                XCTAssertEqual(cached.status, .ok, "\(when) \(target): \(String(decoding: cached.body, as: UTF8.self))")
                XCTAssertEqual(cached.body, reference.body, "\(when) \(target)")
                XCTAssertEqual(cached.headers, reference.headers, "\(when) \(target)")
            }
        }
        assertAllMatchFresh("first read")
        let before = try cacheCounters(h.service, admin: admin)
        assertAllMatchFresh("second read")
        let after = try cacheCounters(h.service, admin: admin)
        // Every target of the second round was a hit (the parameter order of the last two does not matter).
        XCTAssertEqual(after.hits - before.hits, Int64(targets.count))

        // An append through the server changes the project: the next read is fresh, not the old bytes.
        let old = get(h.service, "/v1/projects/P-1", token: inspector)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.commitment("P-1", "C-9")).status, 201)
        let new = get(h.service, "/v1/projects/P-1", token: inspector)
        XCTAssertNotEqual(new.body, old.body)
        XCTAssertEqual(try JSONValue.parse(new.body).objectValue?["transactions"]?.arrayValue?.count, 2)
        assertAllMatchFresh("after an append")

        // A case action is an event too: the flag list shows the new status at once.
        XCTAssertEqual(h.request("POST", "/v1/flags/\(flag)/actions", token: inspector,
                                 body: #"{"action":"assign","assignee":"inspector"}"#).status, 201)
        let listed = try JSONValue.parse(get(h.service, "/v1/flags", token: inspector).body)
        let status = listed.objectValue?["flags"]?.arrayValue?.first { $0.objectValue?["id"]?.stringValue == flag }?.objectValue?["status"]
        XCTAssertEqual(status, "assigned")
        assertAllMatchFresh("after a case action")

        // Another process appending to the same file moves the head as well.
        let other = try EventStore(openingAt: h.store.path)
        let proposal = try ProposedEvent(json: JSONValue.parse(Array(Sample.commitment("P-1", "C-10").utf8)))
        _ = try other.append([proposal], actor: Actor(id: "user:elsewhere"))
        XCTAssertEqual(try JSONValue.parse(get(h.service, "/v1/projects/P-1", token: inspector).body)
            .objectValue?["transactions"]?.arrayValue?.count, 3)
    }

    func testAuthorizationRunsOnEveryCachedRead() throws {
        let h = try ServiceHarness()
        let sv = try h.flaggedProject("P-SV", provinces: ["LA-SV"])
        let vt = try h.flaggedProject("P-VT", provinces: ["LA-VT"])
        let inspector = try h.token("inspector", .inspector)
        let provincial = try h.token("insp-vt", .inspector, .vientianeCapital)
        let recorder = try h.token("recorder", .recorder)
        // The national inspector's reads fill the cache...
        for _ in 0 ..< 2 {
            XCTAssertEqual(get(h.service, "/v1/projects/P-SV", token: inspector).status, .ok)
            XCTAssertEqual(get(h.service, "/v1/flags", token: inspector).status, .ok)
        }
        // ...which provincial staff of another province still may not read, nor see whole.
        XCTAssertEqual(get(h.service, "/v1/projects/P-SV", token: provincial).status, .forbidden)
        XCTAssertEqual(get(h.service, "/v1/projects/P-VT", token: provincial).status, .ok)
        let ids = { (token: String) -> Set<String> in
            let list = try? JSONValue.parse(self.get(h.service, "/v1/flags", token: token).body)
            return Set(list?.objectValue?["flags"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? [])
        }
        let theirs = ids(provincial), everyone = ids(inspector)
        XCTAssertTrue(theirs.contains(vt) && !theirs.contains(sv), "\(theirs)")
        XCTAssertTrue(everyone.isSuperset(of: [sv, vt]) && everyone.isStrictSuperset(of: theirs))
        let fresh = LedgerService(store: h.store, users: h.users, cachesResponses: false)
        XCTAssertEqual(get(h.service, "/v1/flags", token: provincial).body, get(fresh, "/v1/flags", token: provincial).body)
        // Roles are checked before the cache: a recorder may not list flags, cached or not.
        XCTAssertEqual(get(h.service, "/v1/flags", token: recorder).status, .forbidden)
        XCTAssertEqual(get(h.service, "/v1/flags", token: "not-a-token").status, .unauthorized)
        // A revoked token is refused even for a read answered from the cache a moment ago.
        XCTAssertEqual(get(h.service, "/v1/projects/P-VT", token: provincial).status, .ok)
        try h.users.revoke(name: "insp-vt")
        XCTAssertEqual(get(h.service, "/v1/projects/P-VT", token: provincial).status, .unauthorized)
    }

    /// Readers filling the cache while appends go on never make an acknowledged append invisible:
    /// after each append, the writer's own read shows it (read-your-writes through the cache).
    func testReadersDuringAppendsNeverHideAnAcknowledgedAppend() throws {
        let h = try ServiceHarness()
        let admin = try h.token("admin", .admin)
        let inspector = try h.token("inspector", .inspector)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: "[\(Sample.proposal("P-1")),\(Sample.location("P-1", ["LA-SV"]))]").status, 201)
        let service = h.service
        let stop = Atomic<Bool>(false)
        let readers = DispatchGroup()
        for _ in 0 ..< 4 {
            DispatchQueue.global().async(group: readers) {
                while !stop.load(ordering: .relaxed) {
                    _ = service.handle(HTTPRequest(method: "GET", target: "/v1/projects/P-1", headers: ["Authorization": "Bearer " + inspector]))
                }
            }
        }
        defer {
            stop.store(true, ordering: .relaxed)
            readers.wait()
        }
        for count in 1 ... 25 {
            let append = service.handle(HTTPRequest(
                method: "POST", target: "/v1/events",
                headers: ["Authorization": "Bearer " + admin, "Content-Type": "application/json"],
                body: Array(Sample.commitment("P-1", "C-\(count)").utf8)))
            XCTAssertEqual(append.status, .created)
            let read = service.handle(HTTPRequest(method: "GET", target: "/v1/projects/P-1", headers: ["Authorization": "Bearer " + inspector]))
            let transactions = try JSONValue.parse(read.body).objectValue?["transactions"]?.arrayValue?.count
            XCTAssertEqual(transactions, count, "after append \(count)")
        }
    }
}
