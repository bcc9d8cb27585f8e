import Foundation
import XCTest
@testable import Inspection

/// The fast minimum-amount check of the Benford test agrees with parsing.
final class BenfordMinimumTests: XCTestCase {
    func testTheIntegerPartDecidesAgainstAWholeMinimum() {
        let whole = BenfordTest.wholeNumber(10)
        XCTAssertEqual(whole, 10)
        XCTAssertNil(BenfordTest.wholeNumber(Decimal(string: "9.5")!))
        for (text, expected) in [("10", true), ("9.9999", false), ("-10.5", true), ("-9", false), ("0.0452", false),
                                 ("1234567890123456789012", true), ("1e3", true), ("abc", false), ("", false), (".5", false)] {
            XCTAssertEqual(BenfordTest.isAtLeast(Substring(text), 10, whole: whole), expected, text)
            XCTAssertEqual(BenfordTest.isAtLeast(Substring(text), 10, whole: nil), expected, "parsed: \(text)")
        }
        XCTAssertTrue(BenfordTest.isAtLeast("9.6", Decimal(string: "9.5")!, whole: nil))
        XCTAssertFalse(BenfordTest.isAtLeast("9.4", Decimal(string: "9.5")!, whole: nil))
    }
}
