import CanonicalJSON
import EventLog
import ODA
import XCTest
@testable import Inspection

/// Projects that pay in more than one currency (kip purchases in a euro project) are compared in
/// USD throughout: a payee or a December paid in the project's own currency alone is still
/// weighed against the USD total, not silently skipped.
final class MixedCurrencyRuleTests: XCTestCase {
    func testAPayeePaidInOneCurrencyOfAMixedProjectIsJudgedInUSD() {
        var b = HistoryBuilder()
        b.rate("EUR", "0.9")
        b.rate("LAK", "20000")
        let dominant = (0..<3).map { n in
            b.transaction("ExpenditureRecorded", "10000", "EUR", date: "2024-0\(n + 2)-10", payee: "Prime Contractor")
        }
        b.transaction("ExpenditureRecorded", "1000", "EUR", payee: "Printer")
        b.transaction("ExpenditureRecorded", "1000", "EUR", payee: "Hotel")
        b.transaction("ExpenditureRecorded", "2000000", "LAK", payee: "Local Shop")
        let hits = b.hits(PayeeConcentration())
        XCTAssertEqual(hits.map(\.subject.name), ["Prime Contractor"])
        XCTAssertEqual(hits.first?.evidence, dominant)
        XCTAssertEqual(hits.first?.amount?.currency, .usd)
    }

    func testADecemberPaidInTheProjectCurrencyOfAMixedYearIsJudgedInUSD() {
        var b = HistoryBuilder()
        b.rate("EUR", "0.9")
        b.rate("LAK", "20000")
        for month in ["03", "05", "07"] { b.transaction("ExpenditureRecorded", "1000", "EUR", date: "2024-\(month)-10") }
        b.transaction("ExpenditureRecorded", "2000000", "LAK", date: "2024-06-12")
        let december = [b.transaction("ExpenditureRecorded", "10000", "EUR", date: "2024-12-09"),
                        b.transaction("ExpenditureRecorded", "10000", "EUR", date: "2024-12-16")]
        let hits = b.hits(YearEndSpike())
        XCTAssertEqual(hits.map(\.evidence), [december])
        XCTAssertEqual(hits.first?.amount?.currency, .usd)
        XCTAssertTrue(hits.first?.explanation.hasPrefix("86 % of the 2024 expenditure") ?? false, hits.first?.explanation ?? "")
    }
}
