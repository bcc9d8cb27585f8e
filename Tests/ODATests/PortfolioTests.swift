import EventLog
import XCTest
@testable import ODA

/// The portfolio of `SmallPortfolio` against figures worked out by hand. 2024: A (UNDP) plans
/// 280,000 + 100,000 USD, disburses 250,000 (D-2 reversed), spends 412,500,000 LAK = 20,625 USD at
/// 20,000; B (UNICEF) plans 200,000, disburses 50,000, spends 30,000. 2025: A plans 400,000 and
/// disburses 100,000.
final class PortfolioTests: XCTestCase {
    var ledger: TemporaryLedger!

    override func setUpWithError() throws {
        ledger = try TemporaryLedger()
        try ledger.store.register(ProjectStateProjector())
        try SmallPortfolio.record(in: ledger.store)
    }

    func usd(_ text: String) throws -> Amount { try Amount(text, currency: "USD") }

    func row(_ key: String, _ planned: String, _ committed: String, _ disbursed: String, _ spent: String,
             currency: String = "USD") throws -> PortfolioRow {
        PortfolioRow(key: key, planned: try Amount(planned, currency: currency), committed: try Amount(committed, currency: currency),
                     disbursed: try Amount(disbursed, currency: currency), spent: try Amount(spent, currency: currency))
    }

    func testByPartnerIn2024InUSDWithExecutionRates() throws {
        let usd = try CurrencyCode("USD")
        let portfolio = try ledger.store.portfolio(by: .partner, year: 2024, currency: usd)
        XCTAssertEqual(portfolio.rows, [
            try row("XM-DAC-41114", "380000", "1000000", "250000", "20625"),
            try row("XM-DAC-41122", "200000", "0", "50000", "30000"),
        ])
        XCTAssertEqual(portfolio.rows.map(\.disbursementRate), ["65.8", "25.0"], "250,000 / 380,000 = 65.79 %")
        XCTAssertEqual(portfolio.rows.map(\.spendRate), ["5.4", "15.0"], "20,625 / 380,000 = 5.43 %")
        XCTAssertEqual(portfolio.totals, [try row("total", "580000", "1000000", "300000", "50625")])
        XCTAssertEqual(portfolio.totals.first?.disbursementRate, "51.7", "300,000 / 580,000 = 51.72 %")
        XCTAssertEqual(portfolio.ratesUsed.map(\.description), ["1 USD = 20000 LAK effective 2024-01-01 (seq 3)"])
    }

    func testWithoutACurrencyEachCurrencyStandsAlone() throws {
        let portfolio = try ledger.store.portfolio(by: .partner)
        XCTAssertEqual(portfolio.rows, [
            try row("XM-DAC-41114", "0", "0", "0", "412500000", currency: "LAK"),
            try row("XM-DAC-41114", "780000", "1000000", "350000", "0"),
            try row("XM-DAC-41122", "200000", "0", "50000", "30000"),
        ])
        XCTAssertNil(portfolio.rows[0].spendRate, "nothing planned in LAK")
        XCTAssertEqual(portfolio.rows[1].disbursementRate, "44.9", "350,000 / 780,000 = 44.87 %")
        XCTAssertEqual(portfolio.ratesUsed, [])
    }

    func testByYear() throws {
        let portfolio = try ledger.store.portfolio(by: .year, currency: try CurrencyCode("USD"))
        XCTAssertEqual(portfolio.rows, [
            try row("2024", "580000", "1000000", "300000", "50625"),
            try row("2025", "400000", "0", "100000", "0"),
        ])
        XCTAssertEqual(portfolio.rows.map(\.disbursementRate), ["51.7", "25.0"])
    }

    func testBySectorAndProvinceSplitByAllocation() throws {
        let usd = try CurrencyCode("USD")
        let sectors = try ledger.store.portfolio(by: .sector, year: 2024, currency: usd)
        // 380,000 × 66.6667 % = 253,333.46; 1,000,000 × 66.6667 % = 666,667; 250,000 × 66.6667 % = 166,666.75;
        // 20,625 × 66.6667 % = 13,750.00687… → 13,750.0069 (the 33.3333 % share takes the rest: 6,874.9931).
        XCTAssertEqual(sectors.rows, [
            try row("12220", "200000", "0", "50000", "30000"),
            try row("14030", "253333.46", "666667", "166666.75", "13750.0069"),
            try row("14031", "126666.54", "333333", "83333.25", "6874.9931"),
        ])
        XCTAssertEqual(sectors.totals, [try row("total", "580000", "1000000", "300000", "50625")])

        let provinces = try ledger.store.portfolio(by: .province, year: 2024, currency: usd)
        XCTAssertEqual(provinces.rows, [
            try row("LA-SL", "152000", "400000", "100000", "8250"),
            try row("LA-SV", "228000", "600000", "150000", "12375"),
            try row("LA-VT", "200000", "0", "50000", "30000"),
        ])
    }

    func testInLAKAndAsOfAnEarlierSeq() throws {
        let lak = try CurrencyCode("LAK")
        // As of seq 15: D-2 not yet reversed and BL-1 not yet revised; B has no budget yet.
        let early = try ledger.store.portfolio(by: .partner, year: 2024, currency: lak, asOf: .seq(15))
        XCTAssertEqual(early.rows, [try row("XM-DAC-41114", "8000000000", "20000000000", "10000000000", "0", currency: "LAK")])
        XCTAssertEqual(early.rows.first?.disbursementRate, "125.0")
    }

    func testAConversionWithoutARecordedRateIsRefused() throws {
        XCTAssertThrowsError(try ledger.store.portfolio(by: .partner, currency: try CurrencyCode("EUR"))) { error in
            XCTAssertEqual(error as? PortfolioError, .noRate(from: "USD", to: "EUR", date: "2024-01-01"))
            XCTAssertTrue("\(error)".contains("record one with ExchangeRateRecorded"))
        }
    }
}
