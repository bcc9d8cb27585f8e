import CanonicalJSON
import Crypto
import EventLog
import Foundation
import ODA
import Service
import Transparency
import XCTest

/// Walks every endpoint × role × province (national, the project's province LA-SV, another
/// province LA-VT) against the real server and asserts each allow (2xx) and deny (403).
final class AuthorizationMatrixTests: XCTestCase {
    enum Scope: String, CaseIterable { case national, home = "LA-SV", other = "LA-VT" }

    /// Who may, written out by hand (not derived from the implementation): "role@scope".
    static let allowed: [String: Set<String>] = [
        "GET /v1/health": Set(Role.allCases.flatMap { role in Scope.allCases.map { "\(role.rawValue)@\($0.rawValue)" } }),
        "GET /v1/metrics": ["admin@national", "admin@LA-SV", "admin@LA-VT"],
        "GET /v1/events": ["recorder@national", "approver@national", "inspector@national", "auditor@national", "admin@national"],
        "GET /v1/projects/{id}/events": [
            "recorder@national", "approver@national", "inspector@national", "auditor@national", "admin@national",
            "recorder@LA-SV", "approver@LA-SV", "inspector@LA-SV", "auditor@LA-SV", "admin@LA-SV",
        ],
        "GET /v1/checkpoints/latest": [
            "inspector@national", "auditor@national", "admin@national",
            "inspector@LA-SV", "auditor@LA-SV", "admin@LA-SV", "inspector@LA-VT", "auditor@LA-VT", "admin@LA-VT",
        ],
        "GET /v1/projects/{id}": everyoneNationalAnd(["LA-SV"]),
        "GET /v1/projects/{id}/history": everyoneNationalAnd(["LA-SV"]),
        // Provincial staff get the portfolio by province (their own row), no other grouping.
        "GET /v1/portfolio?by=province": everyoneNationalAnd(["LA-SV", "LA-VT"]),
        "GET /v1/portfolio?by=partner": everyoneNationalAnd([]),
        "GET /v1/flags": [
            "inspector@national", "auditor@national", "admin@national",
            "inspector@LA-SV", "auditor@LA-SV", "admin@LA-SV", "inspector@LA-VT", "auditor@LA-VT", "admin@LA-VT",
        ],
        "GET /v1/flags/{id}": ["inspector@national", "auditor@national", "admin@national", "inspector@LA-SV", "auditor@LA-SV", "admin@LA-SV"],
        "POST /v1/flags/{id}/actions": ["inspector@national", "inspector@LA-SV"],
        "GET /v1/checkpoints/{size}/cosignatures": [
            "inspector@national", "auditor@national", "admin@national",
            "inspector@LA-SV", "auditor@LA-SV", "admin@LA-SV", "inspector@LA-VT", "auditor@LA-VT", "admin@LA-VT",
        ],
        "POST /v1/checkpoints/{size}/cosignatures": ["auditor@national", "auditor@LA-SV", "auditor@LA-VT"],
        "POST /v1/events CommitmentRecorded": ["recorder@national", "admin@national", "recorder@LA-SV", "admin@LA-SV"],
        "POST /v1/events ProjectApproved": ["approver@national", "admin@national", "approver@LA-SV", "admin@LA-SV"],
        "POST /v1/events OrganisationRegistered": ["recorder@national", "admin@national"],
        "POST /v1/events UserRoleGranted": ["admin@national"],
    ]

    static func everyoneNationalAnd(_ provinces: [String]) -> Set<String> {
        Set(Role.allCases.flatMap { role in (["national"] + provinces).map { "\(role.rawValue)@\($0)" } })
    }

    func testEveryEndpointRoleAndProvince() throws {
        let h = try ServiceHarness()
        let setup = try h.token("setup", .admin)
        var projects = 0
        func newProject() -> String {
            projects += 1
            let id = "P-SV-\(projects)"
            let reply = h.request("POST", "/v1/events", token: setup, body: "[\(Sample.proposal(id)),\(Sample.location(id, ["LA-SV", "LA-SL"]))]")
            XCTAssertEqual(reply.status, 201, reply.text)
            return id
        }
        let readProject = newProject()
        let flagId = try h.flaggedProject("P-FLAG-SV", provinces: ["LA-SV"])
        let signer = try NoteSignerKey(name: try h.store.origin(), privateKey: try Ed25519PrivateKey.generate())
        let stored = try h.store.checkpoint(signer: signer)
        let checkpoint = try Checkpoint.parse(body: try SignedNote.parse(stored.note).text)

        var checked = 0
        for role in Role.allCases {
            for scope in Scope.allCases {
                let who = "\(role.rawValue)@\(scope.rawValue)"
                let name = "\(role.rawValue)-\(scope == .national ? "national" : scope.rawValue.lowercased())"
                let token = try h.token(name, role, scope == .national ? nil : Province(rawValue: scope.rawValue))
                let unique = "\(role.rawValue)-\(scope.rawValue)"

                var attempts: [(String, ServiceHarness.Reply)] = [
                    ("GET /v1/health", h.request("GET", "/v1/health", token: token)),
                    ("GET /v1/metrics", h.request("GET", "/v1/metrics", token: token)),
                    ("GET /v1/events", h.request("GET", "/v1/events", token: token)),
                    ("GET /v1/projects/{id}/events", h.request("GET", "/v1/projects/\(readProject)/events", token: token)),
                    ("GET /v1/checkpoints/latest", h.request("GET", "/v1/checkpoints/latest", token: token)),
                ]
                attempts += [
                    ("GET /v1/projects/{id}", h.request("GET", "/v1/projects/\(readProject)", token: token)),
                    ("GET /v1/projects/{id}/history", h.request("GET", "/v1/projects/\(readProject)/history?asOf=1", token: token)),
                    ("GET /v1/portfolio?by=province", h.request("GET", "/v1/portfolio?by=province", token: token)),
                    ("GET /v1/portfolio?by=partner", h.request("GET", "/v1/portfolio?by=partner", token: token)),
                    ("GET /v1/flags", h.request("GET", "/v1/flags", token: token)),
                    ("GET /v1/flags/{id}", h.request("GET", "/v1/flags/\(flagId)", token: token)),
                    ("POST /v1/flags/{id}/actions", h.request("POST", "/v1/flags/\(flagId)/actions", token: token,
                                                              body: #"{"action":"comment","text":"looked at by \#(who)"}"#)),
                    ("GET /v1/checkpoints/{size}/cosignatures",
                     h.request("GET", "/v1/checkpoints/\(stored.size)/cosignatures", token: token)),
                ]
                let witness = "witness.example/\(unique.lowercased())"
                let witnessKey = try Ed25519PrivateKey.generate()
                let line = try Cosignature.cosign(checkpoint: checkpoint, name: witness, key: witnessKey, time: 1_700_000_000)
                let vkey = try CosignatureVerifierKey(name: witness, publicKey: witnessKey.publicKey).encoded
                attempts.append(("POST /v1/checkpoints/{size}/cosignatures",
                                 h.request("POST", "/v1/checkpoints/\(stored.size)/cosignatures", token: token,
                                           body: JSONValue.object(["cosigner": .string(vkey), "signature": .string(line.line)]).canonicalString)))
                // The proofs share the checkpoints' rule; the matrix checks them on the same row.
                attempts.append(("GET /v1/checkpoints/latest", h.request("GET", "/v1/proofs/inclusion?seq=1&size=2", token: token)))
                attempts.append(("GET /v1/checkpoints/latest", h.request("GET", "/v1/proofs/consistency?from=1&to=2", token: token)))
                attempts.append(("POST /v1/events CommitmentRecorded",
                                 h.request("POST", "/v1/events", token: token, body: Sample.commitment(readProject, "C-\(unique)"))))
                attempts.append(("POST /v1/events ProjectApproved",
                                 h.request("POST", "/v1/events", token: token, body: Sample.approval(newProject()))))
                let org = "XM-\(unique)"
                attempts.append(("POST /v1/events OrganisationRegistered", h.request("POST", "/v1/events", token: token, body: """
                    {"stream":"org:\(org)","type":"OrganisationRegistered","payload":{"organisationId":"\(org)","name":"Partner","organisationType":"40"}}
                    """)))
                let grantee = "grantee-\(unique.lowercased())"
                attempts.append(("POST /v1/events UserRoleGranted", h.request("POST", "/v1/events", token: token, body: """
                    {"stream":"user:\(grantee)","type":"UserRoleGranted","payload":\(try Self.grantPayload(grantee))}
                    """)))

                // Provincial staff of another province may list flags, but see none of this province's.
                if scope == .other, let flags = attempts.first(where: { $0.0 == "GET /v1/flags" })?.1, flags.status == 200 {
                    XCTAssertEqual(flags.json?.objectValue?["total"], .integer(0), "\(who): \(flags.text)")
                }
                for (endpoint, reply) in attempts {
                    let shouldAllow = Self.allowed[endpoint]?.contains(who) ?? false
                    if shouldAllow {
                        XCTAssertTrue((200 ..< 300).contains(reply.status), "\(endpoint) as \(who): expected allow, got \(reply.status) \(reply.text)")
                    } else {
                        XCTAssertEqual(reply.status, 403, "\(endpoint) as \(who): expected 403, got \(reply.status) \(reply.text)")
                        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
                    }
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, Role.allCases.count * Scope.allCases.count * 20)
    }

    /// A valid UserRoleGranted payload from the catalogue's example, with the user id replaced.
    static func grantPayload(_ user: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/events/examples/UserRoleGranted.json")
        let example = try String(contentsOf: url, encoding: .utf8)
        let object = try XCTUnwrap(try JSONValue.parse(example).objectValue)
        var payload = try XCTUnwrap(object["payload"]?.objectValue)
        payload["userId"] = .string(user)
        return JSONValue.object(payload).canonicalString
    }

    func testProvincialRecorderCannotTakeOverOrMoveAProject() throws {
        let h = try ServiceHarness()
        let setup = try h.token("setup", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: setup,
                                 body: "[\(Sample.proposal("P-VT")),\(Sample.location("P-VT", ["LA-VT"]))]").status, 201)
        let sv = try h.token("sv", .recorder, .savannakhet)

        // A new project must name the recorder's province in the same request.
        let bare = h.request("POST", "/v1/events", token: sv, body: Sample.proposal("P-NEW"))
        XCTAssertEqual(bare.status, 403, bare.text)
        XCTAssertEqual(bare.json?.objectValue?["pointer"], "/stream")
        // Re-allocating another province's project to oneself is refused.
        let takeover = h.request("POST", "/v1/events", token: sv, body: Sample.location("P-VT", ["LA-SV"]))
        XCTAssertEqual(takeover.status, 403, takeover.text)
        // Moving one's own project out of one's province is refused.
        XCTAssertEqual(h.request("POST", "/v1/events", token: sv,
                                 body: "[\(Sample.proposal("P-SV")),\(Sample.location("P-SV", ["LA-SV"]))]").status, 201)
        let away = h.request("POST", "/v1/events", token: sv, body: "[\(Sample.commitment("P-SV", "C-1")),\(Sample.location("P-SV", ["LA-VT"]))]")
        XCTAssertEqual(away.status, 403, away.text)
        XCTAssertEqual(away.json?.objectValue?["pointer"], "/1/payload/allocations")
        XCTAssertEqual(try h.store.head().seq, 4)
    }
}
