import Crypto
import XCTest

final class RandomAndComparisonTests: XCTestCase {
    func testSecureRandom() throws {
        XCTAssertEqual(try SecureRandom.bytes(0), [])
        let a = try SecureRandom.bytes(32)
        let b = try SecureRandom.bytes(32)
        XCTAssertEqual(a.count, 32)
        XCTAssertNotEqual(a, b)
        // 4 KiB of real randomness uses every byte value; all zeros would mean nothing was written.
        XCTAssertGreaterThan(Set(try SecureRandom.bytes(4096)).count, 200)
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(ConstantTime.equals([], []))
        XCTAssertTrue(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2]))
        XCTAssertFalse(ConstantTime.equals([], [0]))
    }
}
