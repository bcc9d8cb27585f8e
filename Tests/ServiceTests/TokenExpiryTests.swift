import CanonicalJSON
import Foundation
import ODA
import Service
import SQLite
import Synchronization
import XCTest
import TestSupport

/// Tokens expire; an expired token is a 401 saying so; renewal replaces the token; the users file
/// is private (0600).
final class TokenExpiryTests: TemporaryDirectoryTestCase {
    func testATokenAuthenticatesUntilItsExpiryAndRenewalReplacesIt() throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_780_000_000))
        let users = try UserDirectory(dataDirectory: directory.path, clock: { clock.now })
        let token = try users.add(name: "noy", role: .inspector, province: nil, validForDays: 30)
        guard case let .valid(user) = users.authentication(token: token) else { return XCTFail("a new token authenticates") }
        XCTAssertEqual(user.expiresAt, "2026-06-27T20:26:40Z")

        clock.advance(days: 30, seconds: -1)
        XCTAssertNotNil(users.authenticate(token: token), "valid until the last second")
        clock.advance(days: 0, seconds: 1)
        XCTAssertEqual(users.authentication(token: token), .expired(user))
        XCTAssertNil(users.authenticate(token: token))

        let (renewed, after) = try users.renew(name: "noy", validForDays: 7)
        XCTAssertNotEqual(renewed, token)
        XCTAssertEqual(users.authentication(token: token), .invalid, "the old token is replaced, not merely expired")
        XCTAssertEqual(users.authenticate(token: renewed)?.expiresAt, after.expiresAt)
        XCTAssertEqual(after.role, .inspector)

        // The default validity is 90 days; validity outside 1...3650 days is refused.
        let other = try users.add(name: "vanh", role: .recorder, province: .savannakhet)
        clock.advance(days: 89, seconds: 0)
        XCTAssertNotNil(users.authenticate(token: other))
        clock.advance(days: 1, seconds: 0)
        XCTAssertNil(users.authenticate(token: other))
        XCTAssertThrowsError(try users.add(name: "long", role: .admin, province: nil, validForDays: 3651))
        XCTAssertThrowsError(try users.add(name: "zero", role: .admin, province: nil, validForDays: 0))
        try users.revoke(name: "vanh")
        XCTAssertThrowsError(try users.renew(name: "vanh"), "a revoked user is not renewed")
        XCTAssertThrowsError(try users.renew(name: "nobody"))
    }

    func testTheServerAnswersAnExpiredTokenWith401NamingTheExpiry() throws {
        let clock = TestClock(Date())
        let h = try ServiceHarness(userClock: { clock.now })
        let token = try h.users.add(name: "short", role: .auditor, province: nil, validForDays: 1)

        XCTAssertEqual(h.request("GET", "/v1/checkpoints/latest", token: token).status, 404, "valid: no checkpoint yet")
        clock.advance(days: 2, seconds: 0)
        let expired = h.request("GET", "/v1/checkpoints/latest", token: token)
        XCTAssertEqual(expired.status, 401)
        XCTAssertEqual(expired.header("WWW-Authenticate"), "Bearer realm=\"oda-ledger\"")
        XCTAssertEqual(expired.json?.objectValue?["type"], "https://oda-ledger.example/problems/token-expired")
        let detail = try XCTUnwrap(expired.json?.objectValue?["detail"]?.stringValue)
        XCTAssertTrue(detail.contains("short") && detail.contains("user renew"), detail)
        XCTAssertNotNil(expired.json?.objectValue?["expiredAt"]?.stringValue)
        XCTAssertFalse(expired.text.contains(token))
        // An unknown token is still told apart from an expired one.
        let unknown = h.request("GET", "/v1/checkpoints/latest", token: try BearerToken.generate())
        XCTAssertEqual(unknown.status, 401)
        XCTAssertEqual(unknown.json?.objectValue?["type"], "https://oda-ledger.example/problems/unauthenticated")
        // After renewal the new token works at once.
        let (renewed, _) = try h.users.renew(name: "short")
        XCTAssertEqual(h.request("GET", "/v1/checkpoints/latest", token: renewed).status, 404)
    }

    /// The server remembers checked tokens; a revocation or renewal by another process (the CLI)
    /// must still take effect on the very next request.
    func testRevocationAndRenewalByAnotherProcessTakeEffectAtOnce() throws {
        let server = try UserDirectory(dataDirectory: directory.path)
        let cli = try UserDirectory(dataDirectory: directory.path)
        let token = try cli.add(name: "noy", role: .auditor, province: nil)
        let other = try cli.add(name: "vanh", role: .recorder, province: nil)
        for _ in 0 ..< 3 { XCTAssertNotNil(server.authenticate(token: token)) }
        XCTAssertNotNil(server.authenticate(token: other))
        try cli.revoke(name: "noy")
        XCTAssertNil(server.authenticate(token: token), "revoked elsewhere: refused at once")
        let (renewed, _) = try cli.renew(name: "vanh")
        XCTAssertNil(server.authenticate(token: other), "renewed elsewhere: the old token is refused at once")
        XCTAssertNotNil(server.authenticate(token: renewed))
        // And through the same directory.
        try server.revoke(name: "vanh")
        XCTAssertNil(server.authenticate(token: renewed))
    }

    func testTheUsersFileIsCreatedPrivateAndForcedBackTo0600() throws {
        let path = directory.appendingPathComponent(UserDirectory.fileName).path
        let old = umask(0o022)
        defer { umask(old) }
        _ = try UserDirectory(dataDirectory: directory.path).add(name: "noy", role: .auditor, province: nil)
        XCTAssertEqual(try mode(path), 0o600)
        XCTAssertEqual(try mode(directory.appendingPathComponent(UserDirectory.secretFileName).path), 0o600)

        XCTAssertEqual(chmod(path, 0o644), 0)
        let reopened = try UserDirectory(dataDirectory: directory.path)
        XCTAssertEqual(try mode(path), 0o600, "opening the directory forces the mode back")
        XCTAssertEqual(try reopened.list().map(\.name), ["noy"])
    }

    func testADirectoryFromBeforeExpiryGainsTheColumnAndKeepsItsUsers() throws {
        let path = directory.appendingPathComponent(UserDirectory.fileName).path
        let users = try UserDirectory(dataDirectory: directory.path)
        let token = try users.add(name: "legacy", role: .admin, province: nil)
        // The former schema: no expires_at column.
        let connection = try Connection(path: path, mode: .readWrite)
        try connection.execute("ALTER TABLE users DROP COLUMN expires_at")
        let reopened = try UserDirectory(dataDirectory: directory.path)
        let user = try XCTUnwrap(reopened.authenticate(token: token))
        XCTAssertNil(user.expiresAt)
        let (_, renewed) = try reopened.renew(name: "legacy", validForDays: 10)
        XCTAssertNotNil(renewed.expiresAt)
    }

    private func mode(_ path: String) throws -> mode_t {
        var status = stat()
        guard stat(path, &status) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return status.st_mode & 0o7777
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let seconds: Mutex<Double>
    init(_ start: Date) { seconds = Mutex(start.timeIntervalSince1970) }
    var now: Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }
    func advance(days: Int, seconds delta: Int) { seconds.withLock { $0 += Double(days * 86_400 + delta) } }
}
