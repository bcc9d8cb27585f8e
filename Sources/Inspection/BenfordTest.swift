import Foundation

/// Benford's first-digit and first-two-digits tests by mean absolute deviation (Nigrini 2012). A
/// population rule: it judges a whole set of amounts, so it runs on demand rather than on each append.
///
/// Digits are read from the decimal text, not from a floating-point value, so binary rounding
/// cannot move an amount to another digit.
public struct BenfordTest: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case firstDigit = "benford-first-digit", firstTwoDigits = "benford-first-two-digits"

        /// The digit values tested: 1–9 or 10–99.
        public var range: ClosedRange<Int> { self == .firstDigit ? 1...9 : 10...99 }
        var width: Int { self == .firstDigit ? 1 : 2 }

        /// Nigrini's MAD limits: close, acceptable, marginal conformity; beyond: nonconformity.
        public var limits: (close: Double, acceptable: Double, marginal: Double) {
            self == .firstDigit ? (0.006, 0.012, 0.015) : (0.0012, 0.0018, 0.0022)
        }
    }

    public static let version = 1

    /// Nigrini's conformity verdicts.
    public enum Verdict: String, Sendable, Equatable {
        case closeConformity = "close conformity", acceptableConformity = "acceptable conformity"
        case marginalConformity = "marginal conformity", nonconformity
        /// Fewer amounts than the minimum sample: no verdict.
        case insufficientSample = "insufficient sample"
    }

    public struct Result: Sendable, Equatable {
        public let kind: Kind
        public let count: Int
        /// Observed count of each digit value in `kind.range`, in order.
        public let observed: [Int]
        public let mad: Double
        public let verdict: Verdict
    }

    public let kind: Kind
    /// Below this many amounts the test gives no verdict (Nigrini: at least 1,000).
    public var minimumSample = 1000
    /// Amounts below this (in absolute value) are left out: small amounts follow other laws, and
    /// every amount left has two significant digits.
    public var minimumAmount: Decimal = 10

    public init(_ kind: Kind) {
        self.kind = kind
    }

    /// Expected proportion of leading digits `d`: log10(1 + 1/d).
    public static func expected(_ d: Int) -> Double { log10(1 + 1 / Double(d)) }

    /// The first `width` significant digits of a decimal text as a number ("-0.0452", 2 → 45);
    /// nil when it has fewer, or is in exponent form.
    public static func leadingDigits(_ text: Substring, width: Int = 1) -> Int? {
        var value = 0, taken = 0
        for c in text.utf8 {
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return nil }
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { continue }
            if taken == 0 && c == UInt8(ascii: "0") { continue }
            value = value * 10 + Int(c - UInt8(ascii: "0"))
            taken += 1
            if taken == width { return value }
        }
        return nil
    }

    /// `value` as an integer when it is a whole number that fits.
    static func wholeNumber(_ value: Decimal) -> Int? {
        let whole = NSDecimalNumber(decimal: value).intValue
        return Decimal(whole) == value ? whole : nil
    }

    /// Whether the decimal text is a number whose absolute value is at least `minimum`. Plain
    /// decimal texts (`-?digits(.digits)?`) against a whole minimum are compared on their integer
    /// part without parsing (the common case, and `Decimal(string:)` is slow); anything else is parsed.
    static func isAtLeast(_ text: Substring, _ minimum: Decimal, whole: Int?) -> Bool {
        if let whole {
            var integer = 0, digits = 0, sawPoint = false, plain = !text.isEmpty
            for (i, c) in text.utf8.enumerated() {
                if c == UInt8(ascii: "-") && i == 0 { continue }
                if c == UInt8(ascii: ".") && !sawPoint && digits > 0 { sawPoint = true; continue }
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { plain = false; break }
                if !sawPoint {
                    digits += 1
                    if digits <= 18 { integer = integer * 10 + Int(c - UInt8(ascii: "0")) }
                }
            }
            if plain && digits > 0 { return digits > 18 || integer >= whole }
        }
        guard let value = Decimal(string: String(text)) else { return false }
        return abs(value) >= minimum
    }

    /// Tests the amounts given as decimal texts.
    public func test<S: Sequence>(_ amounts: S) -> Result where S.Element: StringProtocol {
        let range = kind.range
        var observed = [Int](repeating: 0, count: range.count)
        var count = 0
        let wholeMinimum = Self.wholeNumber(minimumAmount)
        for text in amounts {
            let trimmed = Substring(text).drop { $0 == " " || $0 == "\"" }
            guard Self.isAtLeast(trimmed, minimumAmount, whole: wholeMinimum),
                  let digits = Self.leadingDigits(trimmed, width: kind.width) else { continue }
            observed[digits - range.lowerBound] += 1
            count += 1
        }
        guard count > 0 else { return Result(kind: kind, count: 0, observed: observed, mad: 0, verdict: .insufficientSample) }
        let mad = range.reduce(0.0) { $0 + abs(Double(observed[$1 - range.lowerBound]) / Double(count) - Self.expected($1)) }
            / Double(range.count)
        let limits = kind.limits
        let verdict: Verdict = count < minimumSample ? .insufficientSample
            : mad <= limits.close ? .closeConformity
            : mad <= limits.acceptable ? .acceptableConformity
            : mad <= limits.marginal ? .marginalConformity : .nonconformity
        return Result(kind: kind, count: count, observed: observed, mad: mad, verdict: verdict)
    }
}
