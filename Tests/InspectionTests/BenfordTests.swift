import Foundation
import XCTest
@testable import Inspection

/// The first-digit and first-two-digits tests on Nigrini's datasets (Tests/Fixtures/benford, origin in its README),
/// checked against values computed independently.
final class BenfordTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/benford").standardized

    /// One column of a fixture CSV (the first column when the file has one), without the header.
    private func column(_ file: String, _ index: Int = 0) throws -> [Substring] {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return fields.count > index ? fields[index] : ""
        }
    }

    func testGMPaymentsConformAcceptably() throws {
        let result = BenfordTest(.firstDigit).test(try column("gm.payments.csv"))
        XCTAssertEqual(result.count, 15_238)
        XCTAssertEqual(result.observed, [4394, 2663, 1800, 1372, 1245, 1239, 1005, 831, 689])
        XCTAssertEqual(result.mad, 0.006273, accuracy: 0.000001)
        XCTAssertEqual(result.verdict, .acceptableConformity)
    }

    func testCensusPopulationsConformClosely() throws {
        let result = BenfordTest(.firstDigit).test(try column("census.2009.pop.csv"))
        XCTAssertEqual(result.count, 19_482)
        XCTAssertEqual(result.mad, 0.003042, accuracy: 0.000001)
        XCTAssertEqual(result.verdict, .closeConformity)
    }

    func testTooSmallASampleGetsNoVerdict() throws {
        var test = BenfordTest(.firstDigit)
        test.minimumAmount = 0
        let result = test.test(try column("madoff.returns.csv"))
        XCTAssertEqual(result.count, 214)
        XCTAssertEqual(result.verdict, .insufficientSample)
    }

    func testLimitsAndDigits() {
        XCTAssertEqual(BenfordTest.leadingDigits("-0.0452"), 4)
        XCTAssertNil(BenfordTest.leadingDigits("0.000"))
        // 1,000 amounts all starting with 9: far beyond the marginal limit.
        XCTAssertEqual(BenfordTest(.firstDigit).test(Array(repeating: "95", count: 1000)).verdict, .nonconformity)
        XCTAssertEqual(BenfordTest(.firstDigit).test(Array(repeating: "95", count: 999)).verdict, .insufficientSample)
    }

    func testFirstTwoDigits() throws {
        let gm = BenfordTest(.firstTwoDigits).test(try column("gm.payments.csv"))
        XCTAssertEqual(gm.count, 15_238)
        XCTAssertEqual(gm.observed.count, 90)
        XCTAssertEqual(gm.mad, 0.0016916, accuracy: 0.0000001)
        XCTAssertEqual(gm.verdict, .acceptableConformity)
        let census = BenfordTest(.firstTwoDigits).test(try column("census.2009.pop.csv"))
        XCTAssertEqual(census.mad, 0.00062114, accuracy: 0.0000001)
        XCTAssertEqual(census.verdict, .closeConformity)
        XCTAssertEqual(BenfordTest.leadingDigits("0.0452", width: 2), 45)
        XCTAssertEqual(BenfordTest.leadingDigits("10.0", width: 2), 10)
        XCTAssertNil(BenfordTest.leadingDigits("7", width: 2))
    }
}
