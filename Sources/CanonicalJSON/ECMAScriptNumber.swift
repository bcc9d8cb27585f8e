/// Number serialization per ECMAScript `Number.prototype.toString` (ECMA-262 §6.1.6.1.20),
/// which RFC 8785 §3.2.2.3 adopts.
///
/// The decimal digits are the shortest that round-trip to the same double, choosing the closest
/// to the exact value when several are equally short. Swift's `Double.description` produces
/// exactly those digits, so they are taken from it and only the layout is redone per ECMAScript:
/// plain digits for decimal exponents up to 21, `0.000ddd` down to 1e-6, and otherwise
/// `d.ddde+N` / `d.ddde-N`; `-0` is written `0`.
enum ECMAScriptNumber {
    /// 2^53: below it every integral double is written with its exact digits.
    private static let exactIntegerLimit: Double = 9_007_199_254_740_992

    /// Appends the decimal digits of `value` (with a leading `-` if negative).
    @inline(__always)
    static func writeInteger(_ value: Int64, into out: inout ByteSink) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        out.appendDecimal(value.magnitude)
    }

    /// Appends `value` as ECMAScript would print it.
    ///
    /// - Precondition: `value` is finite (RFC 8785 refuses NaN and Infinity), unless `describing`,
    ///   which writes `NaN`, `Infinity` or `-Infinity` for human-readable descriptions.
    static func write(_ value: Double, into out: inout ByteSink, describing: Bool = false) {
        if !value.isFinite {
            precondition(describing, "RFC 8785 cannot serialize the non-finite number \(value)")
            if value.isNaN {
                out.append("NaN")
            } else {
                out.append(value < 0 ? "-Infinity" : "Infinity")
            }
            return
        }
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        if value.magnitude < exactIntegerLimit, Double(Int64(value)) == value {
            // Integral and below 2^53: the exact digits are the shortest ones. (Checked by
            // conversion rather than `rounded()`, which would pull in libm.)
            writeInteger(Int64(value), into: &out)
            return
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        let exponent = shortestDigits(of: value.magnitude, into: &digits)
        layOut(digits: digits, exponent: exponent, into: &out)
    }

    /// Fills `digits` with the shortest round-trip decimal digits of positive `value`, without
    /// leading or trailing zeros, and returns `n` such that `value = 0.d1d2…dk × 10^n`
    /// (ECMAScript's n).
    ///
    /// `Double.description` writes either `ddd.ddd` or `d.ddde±XX`; both are read the same way:
    /// collect the digits, note how many came before the point, add the exponent.
    private static func shortestDigits(of value: Double, into digits: inout [UInt8]) -> Int {
        var pointPosition: Int?
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for byte in value.description.utf8 {
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"):
                if inExponent {
                    exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                } else {
                    digits.append(byte)
                }
            case UInt8(ascii: "."):
                pointPosition = digits.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                inExponent = true
            case UInt8(ascii: "-"):
                exponentSign = -1
            default:
                break
            }
        }
        var n = (pointPosition ?? digits.count) + exponentSign * exponent
        let leadingZeros = digits.prefix(while: { $0 == UInt8(ascii: "0") }).count
        digits.removeFirst(leadingZeros)
        n -= leadingZeros
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return n
    }

    /// Lays out digits `d1…dk` with exponent `n` per ECMA-262 Number::toString steps 6–10.
    private static func layOut(digits: [UInt8], exponent n: Int, into out: inout ByteSink) {
        let k = digits.count
        // At most 17 digits, 21 zeros or 6 leading zeros, a sign, a point and a 5-character exponent.
        out.reserve(k + 32)
        if k <= n, n <= 21 {
            appendDigits(digits[...], to: &out)
            for _ in 0 ..< n - k { out.appendReserved(UInt8(ascii: "0")) }
        } else if 0 < n, n <= 21 {
            appendDigits(digits[..<n], to: &out)
            out.appendReserved(UInt8(ascii: "."))
            appendDigits(digits[n...], to: &out)
        } else if -6 < n, n <= 0 {
            out.appendReserved(UInt8(ascii: "0"))
            out.appendReserved(UInt8(ascii: "."))
            for _ in 0 ..< -n { out.appendReserved(UInt8(ascii: "0")) }
            appendDigits(digits[...], to: &out)
        } else {
            out.appendReserved(digits[0])
            if k > 1 {
                out.appendReserved(UInt8(ascii: "."))
                appendDigits(digits[1...], to: &out)
            }
            out.appendReserved(UInt8(ascii: "e"))
            let e = n - 1
            out.appendReserved(e >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            out.appendDecimal(UInt64(e.magnitude))
        }
    }

    private static func appendDigits(_ digits: ArraySlice<UInt8>, to out: inout ByteSink) {
        for digit in digits { out.appendReserved(digit) }
    }
}
