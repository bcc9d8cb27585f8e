import CanonicalJSON
import EventLog
import Foundation
import XCTest

/// `oda-ledger user add|revoke|list`: tokens shown once, stored only as an HMAC.
final class UserCommandTests: XCTestCase {
    func testAddListRevoke() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let added = cli.run(["user", "add", "--name", "vanh", "--role", "recorder", "--province", "LA-SV", "--data", cli.data])
        XCTAssertEqual(added.status, 0, added.stderr)
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(token.hasPrefix("odal_"), token)
        XCTAssertEqual(token.count, 5 + 43)
        XCTAssertTrue(added.stderr.contains("shown only once"))

        // Only a digest is stored: the token's text appears nowhere in the users file.
        let file = try Data(contentsOf: URL(fileURLWithPath: cli.data + "/users.sqlite"))
        XCTAssertNil(file.range(of: Data(token.utf8)))
        XCTAssertNil(file.range(of: Data(token.dropFirst(5).utf8)))
        let mode = try FileManager.default.attributesOfItem(atPath: cli.data + "/token-secret")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)

        let second = cli.run(["user", "add", "--name", "noy", "--role", "inspector", "--data", cli.data])
        XCTAssertNotEqual(second.stdout, added.stdout)

        let list = cli.run(["user", "list", "--data", cli.data])
        XCTAssertEqual(list.status, 0)
        XCTAssertEqual(list.lines.count, 2)
        XCTAssertTrue(list.lines[1].hasPrefix("vanh\trecorder\tLA-SV\t"), list.stdout)
        XCTAssertTrue(list.lines[1].hasSuffix("\tactive"))
        XCTAssertTrue(list.lines[0].hasPrefix("noy\tinspector\tnational\t"))
        XCTAssertFalse(list.stdout.contains("odal_"))

        XCTAssertEqual(cli.run(["user", "revoke", "--name", "vanh", "--data", cli.data]).status, 0)
        XCTAssertTrue(cli.run(["user", "list", "--data", cli.data]).lines[1].contains("\trevoked "))

        // Grants and revocations are in the chain too, recorded by the operating-system user.
        let store = try EventStore(openingAt: cli.data + "/ledger.sqlite", access: .readOnly)
        let events = try store.events(EventQuery(stream: "user:vanh"))
        XCTAssertEqual(events.map(\.envelope.type), ["UserRoleGranted", "UserRoleRevoked"])
        XCTAssertEqual(events[0].envelope.payload["unit"], "LA-SV")
        XCTAssertEqual(events[0].envelope.payload["role"], "recorder")
        XCTAssertEqual(events[1].envelope.payload["reason"], "revoked with oda-ledger user revoke")
        XCTAssertTrue(events[0].envelope.actor.id.hasPrefix("local:"))

        let again = cli.run(["user", "revoke", "--name", "vanh", "--data", cli.data])
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("no active user vanh"), again.stderr)
    }

    func testRefusals() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["user", "list", "--data", cli.data]).status, 2, "no ledger yet")
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let role = cli.run(["user", "add", "--name", "a", "--role", "boss", "--data", cli.data])
        XCTAssertEqual(role.status, 2)
        XCTAssertTrue(role.stderr.contains("recorder, approver, inspector, auditor, admin"), role.stderr)
        XCTAssertEqual(cli.run(["user", "add", "--name", "a", "--role", "admin", "--province", "LA-ZZ", "--data", cli.data]).status, 2)
        XCTAssertEqual(cli.run(["user", "add", "--name", "Not Valid", "--role", "admin", "--data", cli.data]).status, 2)
        XCTAssertEqual(cli.run(["user", "add", "--name", "a", "--role", "admin", "--data", cli.data]).status, 0)
        let duplicate = cli.run(["user", "add", "--name", "a", "--role", "admin", "--data", cli.data])
        XCTAssertEqual(duplicate.status, 2)
        XCTAssertTrue(duplicate.stderr.contains("already exists"), duplicate.stderr)
        XCTAssertEqual(cli.run(["user", "promote", "--data", cli.data]).status, 2)
        // When the UserRoleGranted event is refused (an empty reason), the user is not added either.
        let refused = cli.run(["user", "add", "--name", "c", "--role", "admin", "--reason", "", "--data", cli.data])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("/payload/reason"), refused.stderr)
        XCTAssertFalse(cli.run(["user", "list", "--data", cli.data]).stdout.contains("c\tadmin"))
        XCTAssertEqual(cli.run(["user", "add", "--name", "b", "--data", cli.data]).status, 2)
    }
}
