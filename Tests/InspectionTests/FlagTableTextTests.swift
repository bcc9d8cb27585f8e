import XCTest
@testable import Inspection

/// The flag table's fast evidence text against `Flag.evidenceText`, the form flags are read back from.
final class FlagTableTextTests: XCTestCase {
    func testEvidenceTextEqualsTheFlagsOwn() {
        var random: UInt64 = 3
        let edges: [[Int64]] = [[], [0], [7], [-12], [9, 10, 99, 100, 101], [Int64.max], [Int64.min, -1, 0, 1, Int64.max]]
        var cases = edges
        for _ in 0..<200 {
            cases.append((0..<Int(random % 300)).map { _ in
                random = random &* 6364136223846793005 &+ 1442695040888963407
                return Int64(bitPattern: random >> UInt64(random % 64))
            })
        }
        for evidence in cases {
            let flag = Flag(id: "x", ruleId: "r", ruleVersion: 1, severity: .low, parameters: [:], subject: .project("P"),
                            amount: nil, amountIsUSD: false, score: 1, evidence: evidence, explanation: "")
            XCTAssertEqual(FlagTable.evidenceText(evidence), flag.evidenceText)
            XCTAssertEqual(Flag.evidence(storedText: FlagTable.evidenceText(evidence)), evidence)
        }
    }
}
