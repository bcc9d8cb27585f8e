import CanonicalJSON

/// A recorded exchange rate: one unit of `base` is worth `rate` units of `quote` (IMF style: base
/// USD, quote LAK, rate "20167.12" kip per dollar). The rate is an exact decimal of at most 10
/// fraction digits, strictly positive.
public struct ExchangeRate: Sendable, Hashable, CustomStringConvertible {
    public static let maximumFractionDigits = 10

    public let base: CurrencyCode
    public let quote: CurrencyCode
    /// The rate as given (its exact decimal value).
    public let rate: DecimalString

    public init(base: CurrencyCode, quote: CurrencyCode, rate text: String) throws(MoneyError) {
        let rate = try DecimalString(parsing: text, maximumFractionDigits: Self.maximumFractionDigits, maximumIntegerDigits: 12)
        guard rate.significand > 0 else { throw .nonPositiveRate(text) }
        guard base != quote else { throw .malformed(text, "a rate between two different currencies") }
        self.base = base
        self.quote = quote
        self.rate = rate
    }

    /// The rate's text without trailing fraction zeros, e.g. `"20167.12"`.
    public var rateText: String {
        var units = rate.significand
        var scale = rate.scale
        while scale > 0, units % 10 == 0 { units /= 10; scale -= 1 }
        return units.decimalText(scale: scale)
    }

    /// `1 USD = 20167.12 LAK`: how the rate is shown next to a converted figure.
    public var description: String { "1 \(base) = \(rateText) \(quote)" }
}

/// A converted figure together with what produced it, so a report can always show the rate used.
public struct Conversion: Sendable, Hashable, CustomStringConvertible {
    public let original: Amount
    public let rate: ExchangeRate
    public let result: Amount
    public let fractionDigits: Int

    public var description: String {
        "\(original) = \(result.text(fractionDigits: fractionDigits)) \(result.currency) at \(rate)"
    }
}

extension Amount {
    /// Converts through `rate` in either direction (base → quote multiplies, quote → base divides),
    /// rounding the result half-even to `fractionDigits` (0...4; 2 by default). Throws when the rate
    /// does not involve this amount's currency or the arithmetic would overflow.
    public func converted(with rate: ExchangeRate, fractionDigits: Int = 2) throws(MoneyError) -> Conversion {
        precondition((0...Amount.scale).contains(fractionDigits))
        let s = rate.rate.scale
        let r = rate.rate.significand
        let resultUnits: Int128
        let target: CurrencyCode
        if currency == rate.base {
            // value·r/10^s, at `fractionDigits`: A·r / 10^(4 + s − d).
            let (product, overflow) = tenThousandths.multipliedReportingOverflow(by: r)
            if overflow { throw .overflow("\(self) × \(rate.rateText)") }
            resultUnits = product.dividedRoundingHalfEven(by: Int128.powerOfTen(Amount.scale + s - fractionDigits))
            target = rate.quote
        } else if currency == rate.quote {
            // (A/10^4) / (r/10^s) at d digits: A·10^(s+d) / (r·10^4).
            let (numerator, overflow) = tenThousandths.multipliedReportingOverflow(by: Int128.powerOfTen(s + fractionDigits))
            if overflow { throw .overflow("\(self) ÷ \(rate.rateText)") }
            let (denominator, overflow2) = r.multipliedReportingOverflow(by: Int128.powerOfTen(Amount.scale))
            if overflow2 { throw .overflow("\(self) ÷ \(rate.rateText)") }
            resultUnits = numerator.dividedRoundingHalfEven(by: denominator)
            target = rate.base
        } else {
            throw .rateDoesNotApply(rate: rate.description, amountCurrency: currency.code)
        }
        let (scaled, overflow) = resultUnits.multipliedReportingOverflow(by: Int128.powerOfTen(Amount.scale - fractionDigits))
        if overflow { throw .overflow("converting \(self)") }
        return Conversion(original: self, rate: rate, result: Amount(tenThousandths: scaled, currency: target),
                          fractionDigits: fractionDigits)
    }
}

extension ExchangeRate {
    /// The rate an `ExchangeRateRecorded` payload records (`baseCurrency`, `quoteCurrency`, `rate`):
    /// how projections obtain the rates they convert with.
    public init(recorded payload: JSONObject) throws(MoneyError) {
        guard case let .string(base)? = payload["baseCurrency"], case let .string(quote)? = payload["quoteCurrency"],
              case let .string(rate)? = payload["rate"] else {
            throw .malformed("\(payload)", "an ExchangeRateRecorded payload with baseCurrency, quoteCurrency and rate strings")
        }
        try self.init(base: try CurrencyCode(base), quote: try CurrencyCode(quote), rate: rate)
    }
}
