import Foundation

/// Benford's first-digit test by mean absolute deviation (Nigrini 2012). A population rule: it
/// judges a whole set of amounts, so it runs on demand rather than on each append.
///
/// Digits are read from the decimal text, not from a floating-point value, so 0.1 + 0.2 style
/// artefacts cannot move an amount to another digit.
public struct BenfordFirstDigit: Sendable {
    public static let ruleId = "benford-first-digit"
    public static let version = 1

    /// Nigrini's conformity verdicts for the first-digit test.
    public enum Verdict: String, Sendable, Equatable {
        case closeConformity = "close conformity", acceptableConformity = "acceptable conformity"
        case marginalConformity = "marginal conformity", nonconformity
        /// Fewer amounts than the minimum sample: no verdict.
        case insufficientSample = "insufficient sample"
    }

    public struct Result: Sendable, Equatable {
        public let count: Int
        /// Observed count of each first digit, index 0 for digit 1.
        public let observed: [Int]
        public let mad: Double
        public let verdict: Verdict
    }

    /// Limits on the MAD: close ≤ 0.006, acceptable ≤ 0.012, marginal ≤ 0.015, beyond: nonconformity.
    public var limits: (close: Double, acceptable: Double, marginal: Double) = (0.006, 0.012, 0.015)
    /// Below this many amounts the test gives no verdict (Nigrini: at least 1,000).
    public var minimumSample = 1000
    /// Amounts below this (in absolute value) are left out: small amounts follow other laws.
    public var minimumAmount: Decimal = 10

    public init() {}

    /// Expected proportion of first digit `d`: log10(1 + 1/d).
    public static func expected(_ d: Int) -> Double { log10(1 + 1 / Double(d)) }

    /// The first significant digit of a decimal text ("-0.0452" → 4), nil when it has none.
    public static func firstDigit(_ text: Substring) -> Int? {
        for c in text.utf8 {
            if c >= UInt8(ascii: "1") && c <= UInt8(ascii: "9") { return Int(c - UInt8(ascii: "0")) }
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return nil }
        }
        return nil
    }

    /// Tests the amounts given as decimal texts.
    public func test<S: Sequence>(_ amounts: S) -> Result where S.Element: StringProtocol {
        var observed = [Int](repeating: 0, count: 9)
        var count = 0
        for text in amounts {
            let trimmed = Substring(text).drop { $0 == " " || $0 == "\"" }
            guard let value = Decimal(string: String(trimmed)), abs(value) >= minimumAmount,
                  let digit = Self.firstDigit(trimmed) else { continue }
            observed[digit - 1] += 1
            count += 1
        }
        guard count > 0 else { return Result(count: 0, observed: observed, mad: 0, verdict: .insufficientSample) }
        let mad = (1...9).reduce(0.0) { $0 + abs(Double(observed[$1 - 1]) / Double(count) - Self.expected($1)) } / 9
        let verdict: Verdict = count < minimumSample ? .insufficientSample
            : mad <= limits.close ? .closeConformity
            : mad <= limits.acceptable ? .acceptableConformity
            : mad <= limits.marginal ? .marginalConformity : .nonconformity
        return Result(count: count, observed: observed, mad: mad, verdict: verdict)
    }
}
