import CanonicalJSON
import EventLog
import Foundation
import ODA
import TestSupport
import XCTest
@testable import Inspection

/// The Benford population rules, version 2: evidence from the densest cluster of the
/// over-represented digits, and a two-digit minimum sample at which honest agencies pass.
final class BenfordPopulationTests: XCTestCase {
    /// A deterministic log-uniform amount generator (SplitMix64): honest payments of many sizes.
    struct LogUniform {
        var generator: SplitMix64
        init(seed: UInt64) { generator = SplitMix64(seed: seed) }
        /// A whole amount between 1,000 and 10,000,000, log-uniform, with cents.
        mutating func amount() -> String {
            let u = Double(generator.next() >> 11) / Double(1 << 53)
            let value = pow(10, 3 + 4 * u)
            return String(format: "%.2f", value)
        }
    }

    /// An agency whose honest payments are joined by one in six kip purchases just under the
    /// 5,000,000 kip threshold: both tests flag it, and the evidence is those purchases, not the
    /// larger background payments that merely start with the same digit.
    func testThresholdBunchingIsFlaggedWithTheBunchedPaymentsAsEvidence() throws {
        var b = PortfolioBuilder()
        b.project("P1", agency: "AG-BUNCH")
        b.project("P2", agency: "AG-HONEST")
        var random = LogUniform(seed: 7)
        var bunched: Set<Int64> = []
        for i in 0..<3600 {
            b.pay("P1", "ExpenditureRecorded", amount: random.amount())
            b.pay("P2", "ExpenditureRecorded", amount: random.amount())
            if i % 5 == 0 { bunched.insert(b.pay("P1", "ExpenditureRecorded", amount: String(4_500_000 + (i * 697) % 490_000), "LAK")) }
        }
        for kind in [BenfordTest.Kind.firstDigit, .firstTwoDigits] {
            let rule = BenfordPopulation(kind)
            XCTAssertEqual(rule.version, 2)
            let hits = rule.evaluate(b.facts(), parameters: rule.defaultParameters)
            XCTAssertEqual(hits.map(\.subject), [.portfolio(.implementingAgency, "AG-BUNCH")], "\(kind)")
            let evidence = try XCTUnwrap(hits.first).evidence
            XCTAssertEqual(evidence.count, 50)
            XCTAssertTrue(Set(evidence).isSubset(of: bunched), "\(kind): evidence outside the bunched purchases")
        }
    }

    /// A sample drawn from Benford's law itself: 1,000 amounts exceed the two-digit limit (its
    /// expected MAD is about 0.0025), which is why version 2 waits for 3,000, where they conform.
    func testHonestPaymentsPassTheTwoDigitTestAtItsMinimumSampleButNotAt1000() {
        var random = LogUniform(seed: 11)
        let amounts = (0..<3000).map { _ in random.amount() }
        let limit = BenfordTest.Kind.firstTwoDigits.limits.marginal
        let small = BenfordTest(.firstTwoDigits).test(Array(amounts.prefix(1000)))
        XCTAssertGreaterThan(small.mad, limit, "1,000 honest amounts: MAD \(small.mad)")
        let full = BenfordTest(.firstTwoDigits).test(amounts)
        XCTAssertLessThan(full.mad, limit, "3,000 honest amounts: MAD \(full.mad)")
        XCTAssertLessThan(BenfordTest(.firstDigit).test(Array(amounts.prefix(1000))).mad, BenfordTest.Kind.firstDigit.limits.marginal)

        var b = PortfolioBuilder()
        b.project("P1", agency: "AG-HONEST")
        for a in amounts.prefix(1000) { b.pay("P1", "ExpenditureRecorded", amount: a) }
        let rule = BenfordPopulation(.firstTwoDigits)
        XCTAssertEqual(rule.defaultParameters["minimumSample"], 3000)
        XCTAssertEqual(rule.evaluate(b.facts(), parameters: rule.defaultParameters), [], "not judged below 3,000")
        for a in amounts.dropFirst(1000) { b.pay("P1", "ExpenditureRecorded", amount: a) }
        XCTAssertEqual(rule.evaluate(b.facts(), parameters: rule.defaultParameters), [], "judged, and conforming")
    }
}
