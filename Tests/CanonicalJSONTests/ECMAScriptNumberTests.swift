import Foundation
import TestSupport
import XCTest
import CanonicalJSON

/// Number serialization must match ECMAScript `Number.prototype.toString` (RFC 8785 §3.2.2.3).
final class ECMAScriptNumberTests: XCTestCase {
    private func canonical(_ value: Double) -> String {
        JSONValue.number(value).canonicalString
    }

    /// RFC 8785 Appendix B, every finite sample.
    func testRFC8785AppendixB() {
        let samples: [(UInt64, String)] = [
            (0x0000_0000_0000_0000, "0"),
            (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"),
            (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
            (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"),
            (0xC340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
            (0x44B5_2D02_C7E1_4AF6, "1e+23"),
            (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
            (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
            (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
            (0x444B_1AE4_D6E2_EF50, "1e+21"),
            (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
            (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
            (0x41B3_DE43_5555_5553, "333333333.3333332"),
            (0x41B3_DE43_5555_5554, "333333333.33333325"),
            (0x41B3_DE43_5555_5555, "333333333.3333333"),
            (0x41B3_DE43_5555_5556, "333333333.3333334"),
            (0x41B3_DE43_5555_5557, "333333333.33333343"),
            (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
            (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
        ]
        for (bits, expected) in samples {
            XCTAssertEqual(canonical(Double(bitPattern: bits)), expected, String(bits, radix: 16))
        }
    }

    /// The layout boundaries of Number::toString: exponent form from 1e21 up and below 1e-6.
    func testLayoutBoundaries() {
        XCTAssertEqual(canonical(1e21), "1e+21")
        XCTAssertEqual(canonical(1e20), "100000000000000000000")
        XCTAssertEqual(canonical(123e18), "123000000000000000000")
        XCTAssertEqual(canonical(1.5e21), "1.5e+21")
        XCTAssertEqual(canonical(1e-7), "1e-7")
        XCTAssertEqual(canonical(1.5e-7), "1.5e-7")
        XCTAssertEqual(canonical(0.000001), "0.000001")
        XCTAssertEqual(canonical(0.0000012), "0.0000012")
        XCTAssertEqual(canonical(0.1), "0.1")
        XCTAssertEqual(canonical(0.1 + 0.2), "0.30000000000000004")
        XCTAssertEqual(canonical(-1.5), "-1.5")
        XCTAssertEqual(canonical(4.5), "4.5")
        XCTAssertEqual(canonical(1e-27), "1e-27")
        XCTAssertEqual(canonical(1e30), "1e+30")
        XCTAssertEqual(canonical(123456789e-15), "1.23456789e-7")
        XCTAssertEqual(canonical(.leastNonzeroMagnitude), "5e-324")
        XCTAssertEqual(canonical(-.leastNonzeroMagnitude), "-5e-324")
        XCTAssertEqual(canonical(1.7976931348623157e308), "1.7976931348623157e+308")
        XCTAssertEqual(canonical(Double(sign: .plus, exponent: 60, significand: 1)), "1152921504606847000")
        XCTAssertEqual(canonical(2.2250738585072014e-308), "2.2250738585072014e-308")
    }

    func testNegativeZeroIsZero() {
        XCTAssertEqual(canonical(-0.0), "0")
        XCTAssertEqual(canonical(0.0), "0")
        XCTAssertEqual(parsed("-0.0")?.canonicalString, "0")
        XCTAssertEqual(parsed("-0e5")?.canonicalString, "0")
    }

    func testIntegralDoublesPrintWithoutFraction() {
        XCTAssertEqual(canonical(56.0), "56")
        XCTAssertEqual(canonical(-42.0), "-42")
        XCTAssertEqual(canonical(9007199254740991.0), "9007199254740991")
        XCTAssertEqual(canonical(1e15), "1000000000000000")
        XCTAssertEqual(canonical(1e16), "10000000000000000")
    }

    /// Parsed literals take the double's ECMAScript form.
    func testParsedNumbersCanonicalize() {
        let cases: [(String, String)] = [
            ("1e21", "1e+21"), ("1E21", "1e+21"), ("1e+21", "1e+21"), ("1e-7", "1e-7"), ("1E-7", "1e-7"),
            ("0.000001", "0.000001"), ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("9007199254740993", "9007199254740992"), ("12345678901234567890", "12345678901234567000"),
            ("1.0", "1"), ("1.50", "1.5"), ("2e-3", "0.002"), ("333333333.33333329", "333333333.3333333"),
            ("0.000000000000000000000000001", "1e-27"), ("1e-400", "0"), ("-1e-400", "0"),
            ("100e-2", "1"), ("0.1e1", "1"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(parsed(text)?.canonicalString, expected, text)
        }
    }

    /// Integers never go through floating point: the parser keeps them exact.
    func testIntegersWithinSafeRangeStayIntegers() {
        XCTAssertEqual(parsed("9007199254740991"), .integer(9_007_199_254_740_991))
        XCTAssertEqual(parsed("-9007199254740991"), .integer(-9_007_199_254_740_991))
        XCTAssertEqual(parsed("9007199254740992"), .number(9_007_199_254_740_992))
        XCTAssertEqual(parsed("9007199254740993"), .number(9_007_199_254_740_992))
        XCTAssertEqual(parsed("-9007199254740993"), .number(-9_007_199_254_740_992))
        XCTAssertEqual(parsed("-0"), .integer(0))
        XCTAssertEqual(parsed("0"), .integer(0))
        XCTAssertEqual(parsed("1.0"), .number(1))
        XCTAssertEqual(parsed("1e2"), .number(100))
        XCTAssertEqual(JSONValue.integer(-9_007_199_254_740_991).canonicalString, "-9007199254740991")
        XCTAssertEqual(JSONValue.integer(1234567890).canonicalString, "1234567890")
    }

    /// Hand-built integers outside ±(2^53 − 1) serialize as the double RFC 8785 would see.
    func testUnsafeIntegersSerializeAsDoubles() {
        XCTAssertEqual(JSONValue.integer(9_007_199_254_740_993).canonicalString, "9007199254740992")
        XCTAssertEqual(JSONValue.integer(Int64.max).canonicalString, "9223372036854776000")
        XCTAssertEqual(JSONValue.integer(Int64.min).canonicalString, "-9223372036854776000")
    }

    func testNonFiniteNumbersAreShownInDescriptionsOnly() {
        XCTAssertEqual(JSONValue.number(.nan).description, "NaN")
        XCTAssertEqual(JSONValue.array([.number(.infinity), .number(-.infinity)]).description, "[Infinity,-Infinity]")
    }

    /// Cross-check against an independent derivation: the shortest `%.*e` rendering that
    /// round-trips (C library digits), laid out per ECMA-262 in the plainest possible code.
    func testRandomDoublesAgainstIndependentReference() {
        var generator = SplitMix64(seed: 0x5EED_0001)
        for _ in 0 ..< 20000 {
            let bits = generator.next()
            let value = Double(bitPattern: bits)
            guard value.isFinite, value != 0, value.significandBitPattern != 0 else { continue }
            let actual = canonical(value)
            XCTAssertEqual(actual, referenceECMAScript(value), String(bits, radix: 16))
            XCTAssertEqual(Double(actual), value, "round trip of \(actual)")
        }
        for exponent in -330 ... 310 {
            for mantissa in [1.0, 1.5, 2.5, 3.0, 7.0, 9.5, 1.25] {
                let value = mantissa * pow(10.0, Double(exponent))
                guard value.isFinite, value != 0 else { continue }
                XCTAssertEqual(canonical(value), referenceECMAScript(value), "\(mantissa)e\(exponent)")
            }
        }
    }

    /// Every serialized number is valid JSON and parses back to the same double.
    func testSerializedNumbersParseBack() throws {
        var generator = SplitMix64(seed: 0x5EED_0002)
        for _ in 0 ..< 5000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = canonical(value)
            switch try JSONValue.parse(text) {
            case .number(let back): XCTAssertEqual(back, value, text)
            case .integer(let back): XCTAssertEqual(Double(back), value, text)
            default: XCTFail(text)
            }
        }
    }

    private func referenceECMAScript(_ value: Double) -> String {
        var digits = ""
        var exponent = 0
        for precision in 1 ... 17 {
            let text = String(format: "%.\(precision - 1)e", value.magnitude)
            if Double(text) == value.magnitude {
                let parts = text.split(separator: "e")
                digits = parts[0].replacingOccurrences(of: ".", with: "")
                exponent = Int(parts[1])!
                break
            }
        }
        while digits.count > 1, digits.hasSuffix("0") { digits.removeLast() }
        let k = digits.count
        let n = exponent + 1
        var result = value < 0 ? "-" : ""
        if k <= n, n <= 21 {
            result += digits + String(repeating: "0", count: n - k)
        } else if 0 < n, n <= 21 {
            result += digits.prefix(n) + "." + digits.dropFirst(n)
        } else if -6 < n, n <= 0 {
            result += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            result += digits.prefix(1) + (k > 1 ? "." + digits.dropFirst() : "") + "e" + (e >= 0 ? "+" : "-") + String(abs(e))
        }
        return result
    }
}
