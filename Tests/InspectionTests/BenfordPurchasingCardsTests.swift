import Foundation
import XCTest
@testable import Inspection

/// Nigrini's purchasing-card transactions of 2010 (Tests/Fixtures/benford, origin in its README):
/// many payments sit just under the cards' 2,500 limit. Overall they conform acceptably by the
/// MAD, but the two-digit test shows the limit: 24 is the most over-represented pair. Values
/// computed independently in Python from the original file.
final class BenfordPurchasingCardsTests: XCTestCase {
    private static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/benford/purchasing.cards.2010.amount.csv").standardized

    private func amounts() throws -> [Substring] {
        try String(contentsOf: Self.file, encoding: .utf8).split(separator: "\n").dropFirst().map { $0 }
    }

    func testFirstDigitConformsAcceptably() throws {
        let result = BenfordTest(.firstDigit).test(try amounts())
        XCTAssertEqual(result.count, 81_842, "amounts of at least 10 of 95,076")
        XCTAssertEqual(result.mad, 0.007305, accuracy: 0.000001)
        XCTAssertEqual(result.verdict, .acceptableConformity)
    }

    func testTwoDigitsShowTheCardLimitAt24() throws {
        let result = BenfordTest(.firstTwoDigits).test(try amounts())
        XCTAssertEqual(result.count, 81_842)
        XCTAssertEqual(result.mad, 0.001497, accuracy: 0.000001)
        XCTAssertEqual(result.verdict, .acceptableConformity)
        let excess = BenfordTest.Kind.firstTwoDigits.range.map { d in
            (d, Double(result.observed[d - 10]) - BenfordTest.expected(d) * Double(result.count))
        }
        let worst = excess.max { $0.1 < $1.1 }!
        XCTAssertEqual(worst.0, 24, "the pair just under the 2,500 limit")
        XCTAssertEqual(worst.1, 699.04, accuracy: 0.01)
    }
}
