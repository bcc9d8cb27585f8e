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

    /// Both directions against python's decimal module (exact arithmetic, ROUND_HALF_EVEN),
    /// computed once and pasted: (amount, rate, fraction digits, amount × rate, amount ÷ rate).
    func testConversionsAgreeWithPythonDecimal() throws {
        let cases: [(String, String, Int, String, String)] = [
            ("1250000.00", "20167.12", 0, "25208900000", "62"),
            ("1250000.00", "20167.12", 2, "25208900000", "61.98"),
            ("1250000.00", "9698", 0, "12122500000", "129"),
            ("1250000.00", "9698", 2, "12122500000", "128.89"),
            ("1250000.00", "0.0000496", 0, "62", "25201612903"),
            ("1250000.00", "0.0000496", 2, "62", "25201612903.23"),
            ("1250000.00", "1.0842", 0, "1355250", "1152924"),
            ("1250000.00", "1.0842", 2, "1355250", "1152923.81"),
            ("1250000.00", "147.3456789012", 0, "184182099", "8483"),
            ("1250000.00", "147.3456789012", 2, "184182098.63", "8483.45"),
            ("1250000.00", "0.5", 0, "625000", "2500000"),
            ("1250000.00", "0.5", 2, "625000", "2500000"),
            ("1250000.00", "35.1", 0, "43875000", "35613"),
            ("1250000.00", "35.1", 2, "43875000", "35612.54"),
            ("-5", "20167.12", 0, "-100836", "0"),
            ("-5", "20167.12", 2, "-100835.6", "0"),
            ("-5", "9698", 0, "-48490", "0"),
            ("-5", "9698", 2, "-48490", "0"),
            ("-5", "0.0000496", 0, "0", "-100806"),
            ("-5", "0.0000496", 2, "0", "-100806.45"),
            ("-5", "1.0842", 0, "-5", "-5"),
            ("-5", "1.0842", 2, "-5.42", "-4.61"),
            ("-5", "147.3456789012", 0, "-737", "0"),
            ("-5", "147.3456789012", 2, "-736.73", "-0.03"),
            ("-5", "0.5", 0, "-2", "-10"),
            ("-5", "0.5", 2, "-2.5", "-10"),
            ("-5", "35.1", 0, "-176", "0"),
            ("-5", "35.1", 2, "-175.5", "-0.14"),
            ("0.0001", "20167.12", 0, "2", "0"),
            ("0.0001", "20167.12", 2, "2.02", "0"),
            ("0.0001", "9698", 0, "1", "0"),
            ("0.0001", "9698", 2, "0.97", "0"),
            ("0.0001", "0.0000496", 0, "0", "2"),
            ("0.0001", "0.0000496", 2, "0", "2.02"),
            ("0.0001", "1.0842", 0, "0", "0"),
            ("0.0001", "1.0842", 2, "0", "0"),
            ("0.0001", "147.3456789012", 0, "0", "0"),
            ("0.0001", "147.3456789012", 2, "0.01", "0"),
            ("0.0001", "0.5", 0, "0", "0"),
            ("0.0001", "0.5", 2, "0", "0"),
            ("0.0001", "35.1", 0, "0", "0"),
            ("0.0001", "35.1", 2, "0", "0"),
            ("999999999.9999", "20167.12", 0, "20167119999998", "49586"),
            ("999999999.9999", "20167.12", 2, "20167119999997.98", "49585.66"),
            ("999999999.9999", "9698", 0, "9697999999999", "103114"),
            ("999999999.9999", "9698", 2, "9697999999999.03", "103114.04"),
            ("999999999.9999", "0.0000496", 0, "49600", "20161290322579"),
            ("999999999.9999", "0.0000496", 2, "49600", "20161290322578.63"),
            ("999999999.9999", "1.0842", 0, "1084200000", "922339052"),
            ("999999999.9999", "1.0842", 2, "1084200000", "922339051.84"),
            ("999999999.9999", "147.3456789012", 0, "147345678901", "6786762"),
            ("999999999.9999", "147.3456789012", 2, "147345678901.19", "6786761.63"),
            ("999999999.9999", "0.5", 0, "500000000", "2000000000"),
            ("999999999.9999", "0.5", 2, "500000000", "2000000000"),
            ("999999999.9999", "35.1", 0, "35100000000", "28490028"),
            ("999999999.9999", "35.1", 2, "35100000000", "28490028.49"),
            ("-412500000", "20167.12", 0, "-8318937000000", "-20454"),
            ("-412500000", "20167.12", 2, "-8318937000000", "-20454.09"),
            ("-412500000", "9698", 0, "-4000425000000", "-42535"),
            ("-412500000", "9698", 2, "-4000425000000", "-42534.54"),
            ("-412500000", "0.0000496", 0, "-20460", "-8316532258065"),
            ("-412500000", "0.0000496", 2, "-20460", "-8316532258064.52"),
            ("-412500000", "1.0842", 0, "-447232500", "-380464859"),
            ("-412500000", "1.0842", 2, "-447232500", "-380464858.88"),
            ("-412500000", "147.3456789012", 0, "-60780092547", "-2799539"),
            ("-412500000", "147.3456789012", 2, "-60780092546.74", "-2799539.17"),
            ("-412500000", "0.5", 0, "-206250000", "-825000000"),
            ("-412500000", "0.5", 2, "-206250000", "-825000000"),
            ("-412500000", "35.1", 0, "-14478750000", "-11752137"),
            ("-412500000", "35.1", 2, "-14478750000", "-11752136.75"),
            ("0.005", "20167.12", 0, "101", "0"),
            ("0.005", "20167.12", 2, "100.84", "0"),
            ("0.005", "9698", 0, "48", "0"),
            ("0.005", "9698", 2, "48.49", "0"),
            ("0.005", "0.0000496", 0, "0", "101"),
            ("0.005", "0.0000496", 2, "0", "100.81"),
            ("0.005", "1.0842", 0, "0", "0"),
            ("0.005", "1.0842", 2, "0.01", "0"),
            ("0.005", "147.3456789012", 0, "1", "0"),
            ("0.005", "147.3456789012", 2, "0.74", "0"),
            ("0.005", "0.5", 0, "0", "0"),
            ("0.005", "0.5", 2, "0", "0.01"),
            ("0.005", "35.1", 0, "0", "0"),
            ("0.005", "35.1", 2, "0.18", "0"),
            ("0.015", "20167.12", 0, "303", "0"),
            ("0.015", "20167.12", 2, "302.51", "0"),
            ("0.015", "9698", 0, "145", "0"),
            ("0.015", "9698", 2, "145.47", "0"),
            ("0.015", "0.0000496", 0, "0", "302"),
            ("0.015", "0.0000496", 2, "0", "302.42"),
            ("0.015", "1.0842", 0, "0", "0"),
            ("0.015", "1.0842", 2, "0.02", "0.01"),
            ("0.015", "147.3456789012", 0, "2", "0"),
            ("0.015", "147.3456789012", 2, "2.21", "0"),
            ("0.015", "0.5", 0, "0", "0"),
            ("0.015", "0.5", 2, "0.01", "0.03"),
            ("0.015", "35.1", 0, "1", "0"),
            ("0.015", "35.1", 2, "0.53", "0"),
            ("12345.6789", "20167.12", 0, "248976788", "1"),
            ("12345.6789", "20167.12", 2, "248976787.86", "0.61"),
            ("12345.6789", "9698", 0, "119728394", "1"),
            ("12345.6789", "9698", 2, "119728393.97", "1.27"),
            ("12345.6789", "0.0000496", 0, "1", "248904817"),
            ("12345.6789", "0.0000496", 2, "0.61", "248904816.53"),
            ("12345.6789", "1.0842", 0, "13385", "11387"),
            ("12345.6789", "1.0842", 2, "13385.19", "11386.9"),
            ("12345.6789", "147.3456789012", 0, "1819082", "84"),
            ("12345.6789", "147.3456789012", 2, "1819082.44", "83.79"),
            ("12345.6789", "0.5", 0, "6173", "24691"),
            ("12345.6789", "0.5", 2, "6172.84", "24691.36"),
            ("12345.6789", "35.1", 0, "433333", "352"),
            ("12345.6789", "35.1", 2, "433333.33", "351.73"),
            ("-0.0049", "20167.12", 0, "-99", "0"),
            ("-0.0049", "20167.12", 2, "-98.82", "0"),
            ("-0.0049", "9698", 0, "-48", "0"),
            ("-0.0049", "9698", 2, "-47.52", "0"),
            ("-0.0049", "0.0000496", 0, "0", "-99"),
            ("-0.0049", "0.0000496", 2, "0", "-98.79"),
            ("-0.0049", "1.0842", 0, "0", "0"),
            ("-0.0049", "1.0842", 2, "-0.01", "0"),
            ("-0.0049", "147.3456789012", 0, "-1", "0"),
            ("-0.0049", "147.3456789012", 2, "-0.72", "0"),
            ("-0.0049", "0.5", 0, "0", "0"),
            ("-0.0049", "0.5", 2, "0", "-0.01"),
            ("-0.0049", "35.1", 0, "0", "0"),
            ("-0.0049", "35.1", 2, "-0.17", "0"),
        ]
        for (amount, rateText, digits, product, quotient) in cases {
            let rate = try ExchangeRate(base: .usd, quote: .lak, rate: rateText)
            XCTAssertEqual(try usd(amount).converted(with: rate, fractionDigits: digits).result.canonicalText, product, "\(amount) × \(rateText)")
            XCTAssertEqual(try Amount(amount, currency: "LAK").converted(with: rate, fractionDigits: digits).result.canonicalText, quotient,
                           "\(amount) ÷ \(rateText)")
        }
    }

    func testRatesMustBePositiveAndBetweenTwoCurrencies() {
        XCTAssertThrowsError(try ExchangeRate(base: .usd, quote: .lak, rate: "0")) { error in
            XCTAssertEqual(error as? MoneyError, .nonPositiveRate("0"))
        }
        XCTAssertThrowsError(try ExchangeRate(base: .usd, quote: .lak, rate: "-1"))
        XCTAssertThrowsError(try ExchangeRate(base: .usd, quote: .usd, rate: "1"))
        XCTAssertEqual(try ExchangeRate(base: .usd, quote: .lak, rate: "9698.0000").rateText, "9698")
    }

    func testARecordedRateConvertsAndShowsItself() throws {
        let rate = try ExchangeRate(recorded: try Repository.example("ExchangeRateRecorded").payload)
        XCTAssertEqual(rate.description, "1 USD = 20167.12 LAK")
        XCTAssertEqual(try Amount("412500000", currency: "LAK").converted(with: rate).description,
                       "412500000 LAK = 20454.09 USD at 1 USD = 20167.12 LAK")
        XCTAssertThrowsError(try ExchangeRate(recorded: ["baseCurrency": "USD", "quoteCurrency": "LAK", "rate": 20167]))
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

    func testDecimalTextWithinAndBeyondSixtyFourBits() throws {
        // Spelled out by hand: zero, signs, leading fraction zeros, and the edges of the 64-bit path.
        let cases: [(Int128, Int, String)] = [
            (0, 0, "0"), (0, 4, "0.0000"), (5, 4, "0.0005"), (-5, 4, "-0.0005"), (10_005_000, 4, "1000.5000"),
            (-12_345, 2, "-123.45"), (7, 0, "7"), (-7, 0, "-7"),
            (Int128(Int64.max), 4, "922337203685477.5807"), (Int128(Int64.min), 4, "-922337203685477.5808"),
            (Int128(Int64.max) + 1, 4, "922337203685477.5808"), (-Int128(Int64.max) - 2, 0, "-9223372036854775809"),
            (Int128(10).power(30), 4, "100000000000000000000000000.0000"),
        ]
        for (units, scale, text) in cases {
            XCTAssertEqual(units.decimalText(scale: scale), text, "\(units) at scale \(scale)")
        }
        XCTAssertEqual(try Amount("-0.50", currency: "USD").canonicalText, "-0.5")
        XCTAssertEqual(try Amount("1250000.00", currency: "USD").canonicalText, "1250000")
        XCTAssertEqual(try Amount("999999999999999999999999.9999", currency: "USD").canonicalText, "999999999999999999999999.9999")
    }
}

private extension Int128 {
    func power(_ exponent: Int) -> Int128 { (0..<exponent).reduce(1) { value, _ in value * self } }
}
