/// Why an amount, rate or percentage could not be read or computed. Every case names the offending
/// text or values so a user can correct the input.
public enum MoneyError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String, String)
    case tooManyFractionDigits(String, maximum: Int)
    case outOfRange(String, String)
    case unknownCurrency(String)
    case currencyMismatch(String, String)
    case overflow(String)
    case nonPositiveRate(String)
    case rateDoesNotApply(rate: String, amountCurrency: String)

    public var description: String {
        switch self {
        case let .malformed(text, rule): return "\"\(text)\" is not a valid decimal: must be \(rule)"
        case let .tooManyFractionDigits(text, maximum):
            return "\"\(text)\" has more than \(maximum) digit\(maximum == 1 ? "" : "s") after the decimal point"
        case let .outOfRange(text, rule): return "\"\(text)\" is out of range: \(rule)"
        case let .unknownCurrency(code): return "must be an ISO 4217 code; \(code) is not one"
        case let .currencyMismatch(a, b): return "cannot combine \(a) with \(b): convert through a recorded exchange rate first"
        case let .overflow(operation): return "\(operation) overflows the exact range of amounts"
        case let .nonPositiveRate(text): return "an exchange rate must be greater than zero, not \(text)"
        case let .rateDoesNotApply(rate, currency): return "the rate \(rate) does not convert from \(currency)"
        }
    }
}
