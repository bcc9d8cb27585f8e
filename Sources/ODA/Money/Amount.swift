import CanonicalJSON

/// An exact sum of money in one currency. Never a binary float: the value is an `Int128` count of
/// ten-thousandths (`Amount.scale` = 4 fraction digits), which holds every ISO 4217 minor unit
/// (0 for JPY/LAK in practice, 2 for USD, 3 for KWD, 4 for CLF) without rounding.
///
/// Guarantees:
/// - parsing accepts only `DecimalString`'s grammar, with at most 4 fraction digits and 24 integer
///   digits (far beyond any ODA figure: 10^24 kip), so arithmetic has at least 10^10 of headroom;
/// - `"1.5"` and `"1.50"` are the same amount; `canonicalText` is unique per amount: no trailing
///   fraction zeros, no trailing point, `"0"` for zero (e.g. `"1250000.00"` → `"1250000"`);
/// - addition and subtraction throw on a currency mismatch or overflow instead of trapping or
///   wrapping; comparison across currencies is refused (`compare(_:)` throws), `==` is exact.
public struct Amount: Sendable, Hashable, CustomStringConvertible {
    /// Fraction digits kept exactly.
    public static let scale = 4
    /// Integer digits accepted when parsing.
    public static let maximumIntegerDigits = 24

    /// The amount in units of 10^-4 of the currency.
    public let tenThousandths: Int128
    public let currency: CurrencyCode

    public init(tenThousandths: Int128, currency: CurrencyCode) {
        self.tenThousandths = tenThousandths
        self.currency = currency
    }

    /// Parses a ledger decimal string such as `"1250000.00"` or `"-5"`.
    public init(_ text: String, _ currency: CurrencyCode) throws(MoneyError) {
        let decimal = try DecimalString(parsing: text, maximumFractionDigits: Self.scale,
                                        maximumIntegerDigits: Self.maximumIntegerDigits)
        self.init(tenThousandths: decimal.significand(atScale: Self.scale), currency: currency)
    }

    /// Parses both parts: `try Amount("10.5", currency: "USD")`.
    public init(_ text: String, currency code: String) throws(MoneyError) {
        try self.init(text, try CurrencyCode(code))
    }

    /// Reads the payload form `{"amount": "<decimal>", "currency": "<ISO 4217>"}`.
    public init(json: JSONValue) throws(MoneyError) {
        guard case let .object(object) = json, case let .string(amount)? = object["amount"],
              case let .string(currency)? = object["currency"] else {
            throw .malformed("\(json)", "an object {\"amount\": \"<decimal string>\", \"currency\": \"<ISO 4217>\"}")
        }
        try self.init(amount, currency: currency)
    }

    /// The unique decimal spelling: `"1250000"`, `"-0.5"`, `"0"`.
    public var canonicalText: String {
        var units = tenThousandths
        var scale = Self.scale
        while scale > 0, units % 10 == 0 { units /= 10; scale -= 1 }
        return units.decimalText(scale: scale)
    }

    /// The amount with exactly `fractionDigits` (0...4) digits, rounded half-even: for display.
    public func text(fractionDigits: Int) -> String {
        precondition((0...Self.scale).contains(fractionDigits))
        let divisor = Int128.powerOfTen(Self.scale - fractionDigits)
        return tenThousandths.dividedRoundingHalfEven(by: divisor).decimalText(scale: fractionDigits)
    }

    /// The payload form, with the canonical amount text.
    public var jsonValue: JSONValue {
        .object(["amount": .string(canonicalText), "currency": .string(currency.code)])
    }

    public var description: String { canonicalText + " " + currency.code }
    public var isNegative: Bool { tenThousandths < 0 }
    public var isZero: Bool { tenThousandths == 0 }

    public static func zero(_ currency: CurrencyCode) -> Amount { Amount(tenThousandths: 0, currency: currency) }

    public func adding(_ other: Amount) throws(MoneyError) -> Amount {
        guard currency == other.currency else { throw .currencyMismatch(description, other.description) }
        let (sum, overflow) = tenThousandths.addingReportingOverflow(other.tenThousandths)
        if overflow { throw .overflow("\(self) + \(other)") }
        return Amount(tenThousandths: sum, currency: currency)
    }

    public func subtracting(_ other: Amount) throws(MoneyError) -> Amount {
        guard currency == other.currency else { throw .currencyMismatch(description, other.description) }
        let (difference, overflow) = tenThousandths.subtractingReportingOverflow(other.tenThousandths)
        if overflow { throw .overflow("\(self) − \(other)") }
        return Amount(tenThousandths: difference, currency: currency)
    }

    /// The opposite amount, e.g. to offset a reversed transaction.
    public func negated() throws(MoneyError) -> Amount {
        let (result, overflow) = Int128(0).subtractingReportingOverflow(tenThousandths)
        if overflow { throw .overflow("−(\(self))") }
        return Amount(tenThousandths: result, currency: currency)
    }

    /// Orders two amounts of the same currency; amounts in different currencies are not comparable.
    public func compare(_ other: Amount) throws(MoneyError) -> ComparisonResult {
        guard currency == other.currency else { throw .currencyMismatch(description, other.description) }
        return tenThousandths < other.tenThousandths ? .ascending
            : tenThousandths > other.tenThousandths ? .descending : .same
    }

    /// The outcome of `compare(_:)`.
    public enum ComparisonResult: Sendable, Equatable { case ascending, same, descending }
}
