import ODA
import XCTest
@testable import Inspection

/// `RateBook`'s conversions, worked out with precomputed powers of ten and 64-bit division where
/// the operands fit, equal `Amount.converted(with:)` to the last unit, ties and signs included.
final class RateBookTests: XCTestCase {
    func testConversionsEqualAmountConverted() throws {
        var random: UInt64 = 12_345
        func next(_ bound: UInt64) -> UInt64 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return (random >> 11) % bound
        }
        let rates = ["19500.5", "20167.12", "0.92", "0.9", "147.2", "1", "3", "7.0000000001", "123456789012.5", "0.0000000003"]
        var checked = 0
        for text in rates {
            for quote in ["LAK", "EUR", "JPY"] {
                let rate = try ExchangeRate(base: .usd, quote: try CurrencyCode(quote), rate: text)
                var book = RateBook()
                book.record(rate, seq: 1)
                if quote != "LAK" { book.record(try ExchangeRate(base: .usd, quote: .lak, rate: "20000.25"), seq: 2) }
                var amounts: [Int128] = [0, 1, -1, 5_000, -5_000, 15_000, 25_000, Int128(Int64.max), Int128(Int64.min) + 1,
                                         Int128(Int64.max) * 1_000_000, -Int128(Int64.max) * 3]
                for _ in 0..<300 {
                    let magnitude = Int128(next(UInt64(1) << (5 + next(50))))
                    amounts.append(next(4) == 0 ? -magnitude : magnitude)
                }
                for units in amounts {
                    let amount = Amount(tenThousandths: units, currency: try CurrencyCode(quote))
                    XCTAssertEqual(book.usd(amount, asOf: 5), try? amount.converted(with: rate).result, "\(amount) at \(text)")
                    let usd = Amount(tenThousandths: units, currency: .usd)
                    let lakRate = quote == "LAK" ? rate : try ExchangeRate(base: .usd, quote: .lak, rate: "20000.25")
                    XCTAssertEqual(book.lak(usd, asOf: 5), try? usd.converted(with: lakRate).result, "\(usd) at \(lakRate)")
                    if quote != "LAK" {
                        let expected = (try? amount.converted(with: rate).result).flatMap { try? $0.converted(with: lakRate).result }
                        XCTAssertEqual(book.lak(amount, asOf: 5), expected)
                    }
                    checked += 1
                }
                XCTAssertNil(book.usd(Amount(tenThousandths: 10, currency: try CurrencyCode(quote)), asOf: 0), "no rate before seq 1")
            }
        }
        XCTAssertGreaterThan(checked, 9_000)
        // Ties go to the even neighbour: 0.005 USD and 0.015 USD of kip at a rate of 1.
        var book = RateBook()
        book.record(try ExchangeRate(base: .usd, quote: .lak, rate: "1"), seq: 1)
        XCTAssertEqual(book.usd(Amount(tenThousandths: 50, currency: .lak), asOf: 1)?.tenThousandths, 0)
        XCTAssertEqual(book.usd(Amount(tenThousandths: 150, currency: .lak), asOf: 1)?.tenThousandths, 200)
        XCTAssertEqual(book.usd(Amount(tenThousandths: -150, currency: .lak), asOf: 1)?.tenThousandths, -200)
    }
}
