import Foundation
import XCTest

/// `oda-ledger user add --expires-in DAYS` and `user renew`: expiry shown and listed, the users
/// file private, a renewal replacing the token.
final class UserExpiryCommandTests: XCTestCase {
    func testExpiryIsShownListedAndRenewalReplacesTheToken() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let added = cli.run(["user", "add", "--name", "noy", "--role", "auditor", "--expires-in", "7", "--data", cli.data])
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertTrue(added.stderr.contains("expires 20"), added.stderr)
        let mode = try FileManager.default.attributesOfItem(atPath: cli.data + "/users.sqlite")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)

        let list = cli.run(["user", "list", "--data", cli.data])
        XCTAssertTrue(list.lines.first?.contains("\texpires 20") ?? false, list.stdout)
        XCTAssertTrue(list.lines.first?.hasSuffix("\tactive") ?? false, list.stdout)

        let renewed = cli.run(["user", "renew", "--name", "noy", "--expires-in", "30", "--data", cli.data])
        XCTAssertEqual(renewed.status, 0, renewed.stderr)
        let token = renewed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(token.hasPrefix("odal_"))
        XCTAssertNotEqual(token, added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))

        for bad in ["0", "3651", "soon"] {
            let refused = cli.run(["user", "add", "--name", "x\(bad.count)", "--role", "admin", "--expires-in", bad, "--data", cli.data])
            XCTAssertEqual(refused.status, 2, "--expires-in \(bad): \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains("--expires-in"), refused.stderr)
        }
        XCTAssertNotEqual(cli.run(["user", "renew", "--name", "nobody", "--data", cli.data]).status, 0)
    }
}
