/// The one spelling of decimal numbers the ledger accepts in payloads: an optional `-`, an integer
/// part without leading zeros, and an optional `.` followed by at least one digit. No `+`, no
/// exponent, no spaces, no thousands separators, no negative zero. JSON numbers are never used for
/// money (the envelope refuses non-integers), so this grammar is the whole contract.
///
/// The parsed value is an exact `Int128` significand with a decimal `scale` (number of fraction
/// digits): `"-12.50"` is `(-1250, 2)`.
public struct DecimalString: Sendable, Hashable {
    public let significand: Int128
    public let scale: Int

    /// The grammar, for error messages.
    public static let rule = "a decimal string such as \"1250000.00\" or \"-5\": optional '-', digits without leading zeros, optional '.' and digits; no '+', exponent, spaces or separators"

    /// Parses `text`, allowing at most `maximumFractionDigits` digits after the point and at most
    /// `maximumIntegerDigits` before it, so every accepted value fits `Int128` with room for arithmetic.
    public init(parsing text: String, maximumFractionDigits: Int, maximumIntegerDigits: Int = 24) throws(MoneyError) {
        let bytes = Array(text.utf8)
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        let integerStart = index
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        let integerDigits = bytes[integerStart..<index]
        guard !integerDigits.isEmpty else { throw .malformed(text, Self.rule) }
        if integerDigits.count > 1, integerDigits.first == UInt8(ascii: "0") {
            throw .malformed(text, "no leading zeros are allowed; " + Self.rule)
        }
        guard integerDigits.count <= maximumIntegerDigits else {
            throw .outOfRange(text, "at most \(maximumIntegerDigits) digits before the decimal point")
        }
        var fractionDigits: ArraySlice<UInt8> = []
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            fractionDigits = bytes[fractionStart..<index]
            guard !fractionDigits.isEmpty else { throw .malformed(text, "a decimal point must be followed by digits; " + Self.rule) }
        }
        guard index == bytes.count else { throw .malformed(text, Self.rule) }
        guard fractionDigits.count <= maximumFractionDigits else {
            throw .tooManyFractionDigits(text, maximum: maximumFractionDigits)
        }
        var value: Int128 = 0
        for digit in integerDigits + fractionDigits { value = value * 10 + Int128(digit - UInt8(ascii: "0")) }
        if negative {
            guard value != 0 else { throw .malformed(text, "zero has no sign: write 0, not -0") }
            value = -value
        }
        significand = value
        scale = fractionDigits.count
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `significand` rescaled to `targetScale` (≥ `scale`), exactly.
    func significand(atScale targetScale: Int) -> Int128 {
        precondition(targetScale >= scale, "rescaling down would lose digits")
        return significand * Int128.powerOfTen(targetScale - scale)
    }
}

extension Int128 {
    /// 10^exponent for 0 ≤ exponent ≤ 38.
    static func powerOfTen(_ exponent: Int) -> Int128 {
        precondition((0...38).contains(exponent))
        var result: Int128 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    /// `self / divisor` rounded to the nearest integer, ties to the even neighbour (banker's rounding).
    func dividedRoundingHalfEven(by divisor: Int128) -> Int128 {
        precondition(divisor != 0)
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        if remainder == 0 { return quotient }
        let twiceRemainder = remainder.magnitude * 2
        let direction: Int128 = (self < 0) != (divisor < 0) ? -1 : 1
        if twiceRemainder > divisor.magnitude || (twiceRemainder == divisor.magnitude && quotient % 2 != 0) {
            return quotient + direction
        }
        return quotient
    }

    /// The decimal text of `self / 10^scale` with exactly `scale` fraction digits (none when 0).
    /// Written digit by digit into one buffer (projections format an amount per event); values
    /// beyond 64 bits take the general path.
    func decimalText(scale: Int) -> String {
        guard let small = Int64(exactly: self), small != .min, scale <= 18 else { return generalDecimalText(scale: scale) }
        var magnitude = UInt64(small.magnitude)
        // 19 digits, a point, a sign and leading zeros up to `scale` + 1 digits: at most 40 bytes.
        return String(unsafeUninitializedCapacity: 40) { out in
            var end = 40
            var written = 0
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
                func put(_ byte: UInt8) { end -= 1; buffer[end] = byte }
                var digits = 0
                repeat {
                    if digits == scale, scale > 0 { put(UInt8(ascii: ".")) }
                    put(UInt8(ascii: "0") + UInt8(magnitude % 10))
                    magnitude /= 10
                    digits += 1
                } while magnitude > 0 || digits <= scale
                if small < 0 { put(UInt8(ascii: "-")) }
                written = 40 - end
                for k in 0..<written { out[k] = buffer[end + k] }
            }
            return written
        }
    }

    private func generalDecimalText(scale: Int) -> String {
        let digits = String(magnitude)
        let sign = self < 0 ? "-" : ""
        guard scale > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: Swift.max(0, scale + 1 - digits.count)) + digits
        let split = padded.index(padded.endIndex, offsetBy: -scale)
        return sign + padded[..<split] + "." + padded[split...]
    }
}
