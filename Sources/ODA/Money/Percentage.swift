/// A share of an allocation, e.g. `"33.3333"` percent: an exact decimal with at most 4 fraction
/// digits, from 0 (exclusive) to 100 (inclusive). Allocations must sum to exactly 100 with no
/// rounding tolerance, so a split in thirds is written 33.3334 + 33.3333 + 33.3333.
public struct Percentage: Sendable, Hashable, CustomStringConvertible {
    public static let maximumFractionDigits = 4
    /// The whole, 100 %, in ten-thousandths of a percent.
    public static let wholeInTenThousandths: Int128 = 1_000_000

    /// The share in ten-thousandths of a percent (100 % = 1,000,000).
    public let tenThousandths: Int128

    public init(_ text: String) throws(MoneyError) {
        let decimal = try DecimalString(parsing: text, maximumFractionDigits: Self.maximumFractionDigits, maximumIntegerDigits: 3)
        let units = decimal.significand(atScale: Self.maximumFractionDigits)
        guard units > 0, units <= Self.wholeInTenThousandths else {
            throw .outOfRange(text, "a percentage must be greater than 0 and at most 100")
        }
        tenThousandths = units
    }

    public var description: String {
        var units = tenThousandths
        var scale = Self.maximumFractionDigits
        while scale > 0, units % 10 == 0 { units /= 10; scale -= 1 }
        return units.decimalText(scale: scale)
    }
}
