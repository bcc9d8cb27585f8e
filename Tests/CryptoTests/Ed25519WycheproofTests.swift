import Crypto
import XCTest

/// Wycheproof's 151 Ed25519 verification cases: every valid one accepted, every invalid one
/// (malleable S, bad encodings, truncated or padded signatures) rejected.
final class Ed25519WycheproofTests: XCTestCase {
    struct File: Decodable {
        struct Group: Decodable {
            struct Key: Decodable { let pk: String }
            struct Case: Decodable {
                let tcId: Int
                let comment: String
                let msg: String
                let sig: String
                let result: String
            }
            let publicKey: Key
            let tests: [Case]
        }
        let numberOfTests: Int
        let testGroups: [Group]
    }

    func testEveryCase() throws {
        let file = try TestVectors.load(File.self, "wycheproof/testvectors_v1/ed25519_test.json")
        var accepted = 0
        var rejected = 0
        for group in file.testGroups {
            let key = try Ed25519PublicKey(rawRepresentation: bytes(hex: group.publicKey.pk))
            for test in group.tests {
                let valid = key.isValidSignature(bytes(hex: test.sig), for: bytes(hex: test.msg))
                switch test.result {
                case "valid":
                    XCTAssertTrue(valid, "tcId \(test.tcId) \(test.comment) should verify")
                case "invalid":
                    XCTAssertFalse(valid, "tcId \(test.tcId) \(test.comment) should be rejected")
                default:
                    XCTFail("tcId \(test.tcId): unexpected result \(test.result)")
                }
                if valid { accepted += 1 } else { rejected += 1 }
            }
        }
        XCTAssertEqual(file.numberOfTests, 151)
        XCTAssertEqual(accepted + rejected, 151)
        XCTAssertEqual(accepted, 88)
        XCTAssertEqual(rejected, 63)
    }
}
