import Crypto
import XCTest

final class HMACSHA256Tests: XCTestCase {
    struct File: Decodable {
        struct Group: Decodable {
            struct Case: Decodable {
                let tcId: Int
                let comment: String
                let key: String
                let msg: String
                let tag: String
                let result: String
            }
            let keySize: Int
            let tagSize: Int
            let tests: [Case]
        }
        let numberOfTests: Int
        let testGroups: [Group]
    }

    /// Wycheproof's 174 cases. Groups with a 128-bit tagSize carry truncated tags, so the
    /// computed tag's prefix of that length is compared; modified tags must not match.
    func testWycheproof() throws {
        let file = try TestVectors.load(File.self, "wycheproof/testvectors_v1/hmac_sha256_test.json")
        var count = 0
        for group in file.testGroups {
            let tagLength = group.tagSize / 8
            for test in group.tests {
                let key = bytes(hex: test.key)
                let message = bytes(hex: test.msg)
                let tag = bytes(hex: test.tag)
                XCTAssertEqual(key.count * 8, group.keySize, "tcId \(test.tcId)")
                let computed = try HMACSHA256.authenticationCode(key: key, message: message)
                XCTAssertEqual(computed.count, 32)
                let matches = tag.count == tagLength && ConstantTime.equals(Array(computed.prefix(tagLength)), tag)
                XCTAssertEqual(matches, test.result == "valid", "tcId \(test.tcId) \(test.comment)")
                if tagLength == 32 {
                    XCTAssertEqual(try HMACSHA256.isValid(tag, key: key, message: message), test.result == "valid")
                }
                count += 1
            }
        }
        XCTAssertEqual(count, 174)
        XCTAssertEqual(file.numberOfTests, 174)
    }

    func testRFC4231AndEmptyKey() throws {
        // RFC 4231 test case 2.
        XCTAssertEqual(
            Hex.encode(try HMACSHA256.authenticationCode(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // An empty key is a real zero-length key, not "no key".
        XCTAssertEqual(
            Hex.encode(try HMACSHA256.authenticationCode(key: [], message: [])),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    func testIsValidNeedsTheFullTag() throws {
        let key = Array("key".utf8)
        let message = Array("message".utf8)
        let tag = try HMACSHA256.authenticationCode(key: key, message: message)
        XCTAssertTrue(try HMACSHA256.isValid(tag, key: key, message: message))
        XCTAssertFalse(try HMACSHA256.isValid(Array(tag.prefix(16)), key: key, message: message))
        XCTAssertFalse(try HMACSHA256.isValid([], key: key, message: message))
        var wrong = tag
        wrong[31] ^= 1
        XCTAssertFalse(try HMACSHA256.isValid(wrong, key: key, message: message))
        XCTAssertFalse(try HMACSHA256.isValid(tag, key: Array("kez".utf8), message: message))
        // HMAC pads keys with zero bytes to the block size, so a trailing 0x00 is the same key:
        // a property of RFC 2104, documented here so nobody mistakes it for a bug.
        XCTAssertTrue(try HMACSHA256.isValid(tag, key: key + [0], message: message))
    }
}
