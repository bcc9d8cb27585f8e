import XCTest
@testable import ODA

final class AmountTests: XCTestCase {
    func usd(_ text: String) throws -> Amount { try Amount(text, currency: "USD") }

    func testParsesLedgerDecimalsExactlyAndFormatsCanonically() throws {
        XCTAssertEqual(try usd("1250000.00").canonicalText, "1250000")
        XCTAssertEqual(try usd("1250000.00").tenThousandths, 12_500_000_000)
        XCTAssertEqual(try usd("-5").canonicalText, "-5")
        XCTAssertEqual(try usd("-0.5").canonicalText, "-0.5")
        XCTAssertEqual(try usd("0.0001").canonicalText, "0.0001")
        XCTAssertEqual(try usd("0").canonicalText, "0")
        XCTAssertEqual(try usd("0.00").canonicalText, "0")
        XCTAssertEqual(try usd("1.5"), try usd("1.50"))
        XCTAssertEqual(try usd("999999999999999999999999.9999").canonicalText, "999999999999999999999999.9999")
        XCTAssertEqual(try usd("1250000").text(fractionDigits: 2), "1250000.00")
        XCTAssertEqual(try usd("-0.005").text(fractionDigits: 2), "0.00")  // never "-0.00"
        XCTAssertEqual(try usd("0.015").text(fractionDigits: 2), "0.02")
        XCTAssertEqual(try usd("0.025").text(fractionDigits: 2), "0.02")
        // Sums of tenths that a Double gets wrong are exact here.
        XCTAssertEqual(try usd("0.1").adding(try usd("0.2")), try usd("0.3"))
    }

    func testRefusesEverySpellingOutsideTheGrammar() {
        let bad = ["", "-", "+5", "1e3", "1E3", "01", "-01", "00", "1.", ".5", "-.5", " 1", "1 ", "1,000", "1_000",
                   "-0", "-0.00", "0x10", "1.2.3", "١", "NaN", "Infinity", "1.00001", "1000000000000000000000000"]
        for text in bad {
            XCTAssertThrowsError(try usd(text), "accepted \(text)")
        }
        XCTAssertEqual(try? usd("1.00001"), nil)
        XCTAssertThrowsError(try usd("1.00001")) { error in
            XCTAssertEqual(error as? MoneyError, .tooManyFractionDigits("1.00001", maximum: 4))
        }
    }

    func testUnknownCurrencyIsRefusedWithTheISORule() {
        XCTAssertThrowsError(try Amount("1", currency: "XYZ")) { error in
            XCTAssertEqual("\(error)", "must be an ISO 4217 code; XYZ is not one")
        }
        XCTAssertThrowsError(try Amount("1", currency: "usd"))
        XCTAssertEqual(CurrencyCode.lak.name, "Kip")
    }

    func testArithmeticRefusesMixedCurrenciesAndOverflow() throws {
        let kip = try Amount("100", currency: "LAK")
        XCTAssertThrowsError(try usd("1").adding(kip)) { error in
            XCTAssertEqual(error as? MoneyError, .currencyMismatch("1 USD", "100 LAK"))
        }
        XCTAssertThrowsError(try usd("1").subtracting(kip))
        XCTAssertThrowsError(try usd("1").compare(kip))
        XCTAssertEqual(try usd("5").subtracting(try usd("7.25")).canonicalText, "-2.25")
        let huge = Amount(tenThousandths: .max - 1, currency: .usd)
        XCTAssertThrowsError(try huge.adding(try usd("1"))) { error in
            guard case .overflow = error as? MoneyError else { return XCTFail("\(error)") }
        }
        let hugeNegative = Amount(tenThousandths: .min + 1, currency: .usd)
        XCTAssertThrowsError(try hugeNegative.subtracting(try usd("1")))
    }

    func testComparison() throws {
        XCTAssertEqual(try usd("-5").compare(try usd("0")), .ascending)
        XCTAssertEqual(try usd("10.10").compare(try usd("10.1")), .same)
        XCTAssertEqual(try usd("10.0001").compare(try usd("10")), .descending)
        XCTAssertEqual(try usd("-5").negated(), try usd("5"))
        XCTAssertThrowsError(try Amount(tenThousandths: .min, currency: .usd).negated())
    }

    func testConversionMultipliesOrDividesAndRoundsHalfEvenShowingTheRate() throws {
        let rate = try ExchangeRate(base: .usd, quote: .lak, rate: "20167.12")
        let toKip = try usd("1250000.00").converted(with: rate)
        XCTAssertEqual(toKip.result, try Amount("25208900000", currency: "LAK"))
        XCTAssertEqual(toKip.description, "1250000 USD = 25208900000.00 LAK at 1 USD = 20167.12 LAK")
        // 2,000,000 kip ÷ 20,167.12 = 99.17130... → 99.17
        XCTAssertEqual(try Amount("2000000", currency: "LAK").converted(with: rate).result, try usd("99.17"))
        // Ties go to the even neighbour in both directions.
        let half = try ExchangeRate(base: .usd, quote: .lak, rate: "0.5")
        XCTAssertEqual(try usd("0.05").converted(with: half).result.canonicalText, "0.02")   // 0.025 → 0.02
        XCTAssertEqual(try usd("0.07").converted(with: half).result.canonicalText, "0.04")   // 0.035 → 0.04
        XCTAssertEqual(try usd("-0.05").converted(with: half).result.canonicalText, "-0.02")
        XCTAssertEqual(try usd("-0.07").converted(with: half).result.canonicalText, "-0.04")
        let four = try ExchangeRate(base: .usd, quote: .lak, rate: "4")
        XCTAssertEqual(try Amount("0.1", currency: "LAK").converted(with: four).result.canonicalText, "0.02")  // 0.025 → 0.02
        XCTAssertEqual(try Amount("0.3", currency: "LAK").converted(with: four).result.canonicalText, "0.08")  // 0.075 → 0.08
        XCTAssertEqual(try Amount("1", currency: "LAK").converted(with: four, fractionDigits: 0).result.canonicalText, "0") // 0.25
        XCTAssertEqual(try Amount("10", currency: "LAK").converted(with: four, fractionDigits: 0).result.canonicalText, "2") // 2.5
        XCTAssertThrowsError(try Amount("1", currency: "EUR").converted(with: rate)) { error in
            XCTAssertEqual(error as? MoneyError, .rateDoesNotApply(rate: "1 USD = 20167.12 LAK", amountCurrency: "EUR"))
        }
        let extreme = try ExchangeRate(base: .usd, quote: .lak, rate: "999999999999.9999999999")
        XCTAssertThrowsError(try usd("999999999999999999999999").converted(with: extreme))
    }

    func testRatesMustBePositiveAndBetweenTwoCurrencies() {
        XCTAssertThrowsError(try ExchangeRate(base: .usd, quote: .lak, rate: "0")) { error in
            XCTAssertEqual(error as? MoneyError, .nonPositiveRate("0"))
        }
        XCTAssertThrowsError(try ExchangeRate(base: .usd, quote: .lak, rate: "-1"))
        XCTAssertThrowsError(try ExchangeRate(base: .usd, quote: .usd, rate: "1"))
        XCTAssertEqual(try ExchangeRate(base: .usd, quote: .lak, rate: "9698.0000").rateText, "9698")
    }

    func testPercentages() throws {
        XCTAssertEqual(try Percentage("33.3334").tenThousandths, 333_334)
        XCTAssertEqual(try Percentage("100").description, "100")
        for bad in ["0", "100.0001", "-1", "101", "33.33333", "1e2"] {
            XCTAssertThrowsError(try Percentage(bad), bad)
        }
    }

    func testPayloadForm() throws {
        let amount = try Amount(json: ["amount": "1250000.00", "currency": "LAK"])
        XCTAssertEqual(amount.jsonValue, ["amount": "1250000", "currency": "LAK"])
        XCTAssertThrowsError(try Amount(json: ["amount": 5, "currency": "LAK"]))
    }
}
