import Crypto
import XCTest

final class SHA256Tests: XCTestCase {
    func testKnownAnswers() {
        XCTAssertEqual(SHA256.hash([]).hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash(Array("abc".utf8)).hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testOneMillionA() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(SHA256.hash(million).hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testStreamingEqualsOneShot() throws {
        let hasher = try SHA256Hasher()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        XCTAssertEqual(hasher.finalize().hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")

        // The hasher is ready for the next message after finalize, and byte updates count.
        hasher.update(byte: UInt8(ascii: "a"))
        hasher.update("bc".utf8)
        XCTAssertEqual(hasher.finalize(), SHA256.hash(Array("abc".utf8)))
        XCTAssertEqual(hasher.hash(Array("abc".utf8)), SHA256.hash(Array("abc".utf8)))
    }

    func testDigestEncoding() throws {
        let digest = SHA256.hash(Array("abc".utf8))
        XCTAssertEqual(try SHA256Digest(hex: digest.hex), digest)
        XCTAssertEqual(try SHA256Digest(hex: digest.hex.uppercased()), digest)
        XCTAssertEqual(SHA256Digest.zero.bytes, [UInt8](repeating: 0, count: 32))
        XCTAssertThrowsError(try SHA256Digest(hex: "abcd")) { error in
            guard case CryptoError.invalidEncoding = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try SHA256Digest(bytes: [1, 2, 3]))
    }

    /// The word-wise `init?(lowercaseHex:)` against a byte-wise reference: every byte value in
    /// every one of the 64 positions of several digests (so every lane of every word), and the
    /// lengths around 64.
    func testLowercaseHexParsingAgreesWithTheByteWiseReference() throws {
        func reference(_ bytes: [UInt8]) -> SHA256Digest? {
            guard bytes.count == 64, bytes.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
                  let decoded = Hex.decode(String(decoding: bytes, as: UTF8.self)) else { return nil }
            return try? SHA256Digest(bytes: decoded)
        }
        let digests = [SHA256Digest.zero, SHA256.hash(Array("abc".utf8)), SHA256.hash([0xFF]),
                       try SHA256Digest(bytes: [UInt8](repeating: 0xFF, count: 32)),
                       try SHA256Digest(bytes: (0..<32).map { UInt8($0 * 8 + 3) })]
        var checked = 0
        for digest in digests {
            let hex = Array(digest.hex.utf8)
            XCTAssertEqual(hex.withUnsafeBytes { SHA256Digest(lowercaseHex: $0) }, digest)
            for position in 0..<64 {
                for value in 0...255 {
                    var mutated = hex
                    mutated[position] = UInt8(value)
                    XCTAssertEqual(mutated.withUnsafeBytes { SHA256Digest(lowercaseHex: $0) }, reference(mutated),
                                   "byte \(value) at \(position) of \(digest.hex)")
                    checked += 1
                }
            }
            for count in [0, 1, 63, 65, 128] {
                let resized = Array((hex + hex).prefix(count))
                XCTAssertNil(resized.withUnsafeBytes { SHA256Digest(lowercaseHex: $0) })
            }
        }
        XCTAssertEqual(checked, digests.count * 64 * 256)
    }
}
