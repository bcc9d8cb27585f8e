/// A strict, single-pass recursive-descent JSON parser over UTF-8 bytes.
///
/// It reads bytes through an unsafe buffer (never `Character`s), builds strings straight from
/// the input when they contain no escapes, and keeps one stack of array elements and one stack
/// of object members across all nesting levels; a finished container moves its elements off the
/// top into an `Array` allocated once at its exact size. Objects are put into canonical order as
/// they close by sorting indices on the key bytes in the input; already-sorted input (such as
/// canonical bytes read back for verification) is only checked.
struct JSONParser: ~Copyable {
    /// Where a member name lies in the input: its opening quote, and the length of its raw
    /// bytes when it contains no escapes (so they can be compared in place), or -1; plus its
    /// ``UTF16Order/sortPrefix(_:readableBytes:)``, which settles most comparisons with one
    /// integer compare.
    private struct KeySpan {
        var sortPrefix: UInt64
        var quoteOffset: Int
        var rawLength: Int
    }

    private let input: UnsafeBufferPointer<UInt8>
    private let limits: JSONLimits
    private var position = 0
    /// Elements of the arrays being parsed, innermost last.
    private var elementStack: MoveStack<JSONValue>
    /// Members of the objects being parsed, innermost last, in document order.
    private var memberStack: MoveStack<JSONObject.Member>
    /// Where each key of `memberStack` lies in the input.
    private var keySpanStack: MoveStack<KeySpan>
    /// Decoded bytes of the string being unescaped.
    private var scratch: [UInt8] = []
    /// Set by ``parseString()``: whether the last string contained escapes.
    private var lastStringHadEscapes = false

    private init(
        input: UnsafeBufferPointer<UInt8>,
        limits: JSONLimits,
        elementStorage: UnsafeMutableBufferPointer<JSONValue>,
        memberStorage: UnsafeMutableBufferPointer<JSONObject.Member>,
        keySpanStorage: UnsafeMutableBufferPointer<KeySpan>
    ) {
        self.input = input
        self.limits = limits
        elementStack = MoveStack(initialStorage: elementStorage)
        memberStack = MoveStack(initialStorage: memberStorage)
        keySpanStack = MoveStack(initialStorage: keySpanStorage)
    }

    /// Parses `input` as one complete JSON text.
    ///
    /// The work stacks start in stack memory: 32 pending array elements and 24 pending object
    /// members (counted along the path from the root to the value being parsed), which covers
    /// ledger events, and move to the heap beyond that. The capacities are literals so that each
    /// buffer stays within the 1 KiB the standard library always places on the stack; larger
    /// temporary allocations are checked at run time and, on Linux, end up on the heap.
    static func parse(_ input: UnsafeBufferPointer<UInt8>, limits: JSONLimits) -> Result<JSONValue, JSONError> {
        withUnsafeTemporaryAllocation(of: JSONValue.self, capacity: 32) { elementStorage in
            withUnsafeTemporaryAllocation(of: JSONObject.Member.self, capacity: 24) { memberStorage in
                withUnsafeTemporaryAllocation(of: KeySpan.self, capacity: 24) { keySpanStorage in
                    var parser = JSONParser(
                        input: input,
                        limits: limits,
                        elementStorage: elementStorage,
                        memberStorage: memberStorage,
                        keySpanStorage: keySpanStorage
                    )
                    do throws(JSONError) {
                        return .success(try parser.parseDocument())
                    } catch {
                        return .failure(error.located(in: input))
                    }
                }
            }
        }
    }

    private mutating func parseDocument() throws(JSONError) -> JSONValue {
        if input.count > limits.maxBytes {
            throw failure(at: limits.maxBytes, "input is \(input.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF {
            throw failure(at: 0, "byte order mark (U+FEFF) is not allowed")
        }
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if position < input.count {
            throw try unexpected(at: position, " after the JSON value, expected end of input")
        }
        return value
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        skipWhitespace()
        guard position < input.count else {
            throw failure(at: position, "unexpected end of input, expected a value")
        }
        switch input[position] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw try unexpected(at: position, Self.expectedValue)
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        if depth > limits.maxDepth {
            throw failure(at: position, "nesting deeper than \(limits.maxDepth)")
        }
        position += 1
        skipWhitespace()
        if position < input.count, input[position] == UInt8(ascii: "]") {
            position += 1
            return .array([])
        }
        let base = elementStack.count
        while true {
            let element = try parseValue(depth: depth)
            elementStack.push(element)
            skipWhitespace()
            guard position < input.count else {
                throw failure(at: position, "unexpected end of input in array, expected ',' or ']'")
            }
            let byte = input[position]
            if byte == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                if position < input.count, input[position] == UInt8(ascii: "]") {
                    throw failure(at: position, "trailing comma before ']' is not allowed")
                }
            } else if byte == UInt8(ascii: "]") {
                position += 1
                break
            } else {
                throw try unexpected(at: position, " after array element, expected ',' or ']'")
            }
        }
        return .array(elementStack.popArray(from: base))
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        if depth > limits.maxDepth {
            throw failure(at: position, "nesting deeper than \(limits.maxDepth)")
        }
        position += 1
        skipWhitespace()
        if position < input.count, input[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject())
        }
        let base = memberStack.count
        while true {
            guard position < input.count else {
                throw failure(at: position, "unexpected end of input in object, expected a member name")
            }
            guard input[position] == UInt8(ascii: "\"") else {
                throw try unexpected(at: position, ", expected a member name in double quotes")
            }
            let keyOffset = position
            let key = try parseString()
            let span: KeySpan
            if lastStringHadEscapes {
                let prefix = scratch.withUnsafeBufferPointer { UTF16Order.sortPrefix($0) }
                span = KeySpan(sortPrefix: prefix, quoteOffset: keyOffset, rawLength: -1)
            } else {
                let raw = UnsafeBufferPointer(rebasing: input[keyOffset + 1 ..< position - 1])
                let prefix = UTF16Order.sortPrefix(raw, readableBytes: input.count - keyOffset - 1)
                span = KeySpan(sortPrefix: prefix, quoteOffset: keyOffset, rawLength: raw.count)
            }
            skipWhitespace()
            guard position < input.count else {
                throw failure(at: position, "unexpected end of input in object, expected ':'")
            }
            guard input[position] == UInt8(ascii: ":") else {
                throw try unexpected(at: position, " after member name, expected ':'")
            }
            position += 1
            let value = try parseValue(depth: depth)
            memberStack.push(JSONObject.Member(key: key, value: value))
            keySpanStack.push(span)
            skipWhitespace()
            guard position < input.count else {
                throw failure(at: position, "unexpected end of input in object, expected ',' or '}'")
            }
            let byte = input[position]
            if byte == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                if position < input.count, input[position] == UInt8(ascii: "}") {
                    throw failure(at: position, "trailing comma before '}' is not allowed")
                }
            } else if byte == UInt8(ascii: "}") {
                position += 1
                break
            } else {
                throw try unexpected(at: position, " after object member, expected ',' or '}'")
            }
        }
        return .object(try finishObject(from: base))
    }

    /// Pops the members from `base` up into a canonical-order ``JSONObject``.
    private mutating func finishObject(from base: Int) throws(JSONError) -> JSONObject {
        let count = memberStack.count - base
        var ascending = true
        for index in base + 1 ..< base + count where compareKeys(index - 1, index) >= 0 {
            ascending = false
            break
        }
        if ascending {
            keySpanStack.removeAll(from: base)
            return JSONObject(sortedMembers: memberStack.popArray(from: base))
        }
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { order throws(JSONError) in
            for index in 0 ..< count {
                (order.baseAddress.unsafelyUnwrapped + index).initialize(to: index)
            }
            sortKeyIndices(order, base: base)
            for index in 1 ..< count where compareKeys(base + order[index - 1], base + order[index]) == 0 {
                throw duplicateKeyFailure(sortedOrder: UnsafeBufferPointer(order), base: base)
            }
            keySpanStack.removeAll(from: base)
            return JSONObject(sortedMembers: memberStack.popArray(from: base, order: UnsafeBufferPointer(order)))
        }
    }

    /// Sorts member indices (relative to `base`) by key: insertion sort for the small objects
    /// that are typical, the standard library's sort beyond that.
    private func sortKeyIndices(_ order: UnsafeMutableBufferPointer<Int>, base: Int) {
        if order.count <= 24 {
            for index in 1 ..< order.count {
                let moving = order[index]
                var hole = index
                while hole > 0, compareKeys(base + moving, base + order[hole - 1]) < 0 {
                    order[hole] = order[hole - 1]
                    hole -= 1
                }
                order[hole] = moving
            }
        } else {
            var order = order
            order.sort { compareKeys(base + $0, base + $1) < 0 }
        }
    }

    /// Compares the keys of members `left` and `right` (absolute indices in `memberStack`) in
    /// UTF-16 order: by sort prefix, then on the input bytes when neither key had escapes.
    @inline(__always)
    private func compareKeys(_ left: Int, _ right: Int) -> Int {
        let leftSpan = keySpanStack[left]
        let rightSpan = keySpanStack[right]
        if leftSpan.sortPrefix != rightSpan.sortPrefix {
            return leftSpan.sortPrefix < rightSpan.sortPrefix ? -1 : 1
        }
        if leftSpan.rawLength >= 0, rightSpan.rawLength >= 0 {
            return UTF16Order.compare(
                UnsafeBufferPointer(rebasing: input[leftSpan.quoteOffset + 1 ..< leftSpan.quoteOffset + 1 + leftSpan.rawLength]),
                UnsafeBufferPointer(rebasing: input[rightSpan.quoteOffset + 1 ..< rightSpan.quoteOffset + 1 + rightSpan.rawLength])
            )
        }
        return UTF16Order.compare(memberStack[left].key, memberStack[right].key)
    }

    /// The error for the first key, in document order, that repeats an earlier key of its object.
    /// `sortedOrder` holds member indices (relative to `base`, which are document positions) sorted
    /// by key; in each run of equal keys the second smallest index is the first repetition.
    private func duplicateKeyFailure(sortedOrder: UnsafeBufferPointer<Int>, base: Int) -> JSONError {
        var firstRepeat = Int.max
        var runStart = 0
        while runStart < sortedOrder.count {
            var runEnd = runStart + 1
            var smallest = sortedOrder[runStart]
            var secondSmallest = Int.max
            while runEnd < sortedOrder.count, compareKeys(base + sortedOrder[runStart], base + sortedOrder[runEnd]) == 0 {
                let index = sortedOrder[runEnd]
                if index < smallest {
                    secondSmallest = smallest
                    smallest = index
                } else if index < secondSmallest {
                    secondSmallest = index
                }
                runEnd += 1
            }
            firstRepeat = min(firstRepeat, secondSmallest)
            runStart = runEnd
        }
        let member = base + firstRepeat
        return failure(
            at: keySpanStack[member].quoteOffset,
            "duplicate key \(CanonicalWriter.quoted(memberStack[member].key))"
        )
    }

    private mutating func parseLiteral(_ literal: StaticString) throws(JSONError) {
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for (index, expected) in bytes.enumerated() {
            let at = position + index
            guard at < input.count else {
                throw failure(at: at, "unexpected end of input in literal, expected '\(literal)'")
            }
            if input[at] != expected {
                throw try unexpected(at: at, " in literal, expected '\(literal)'")
            }
        }
        position += bytes.count
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    // MARK: Numbers

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    private mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = position
        let negative = input[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < input.count else {
            throw failure(at: position, "unexpected end of input, expected a digit after '-'")
        }
        guard Self.isDigit(input[position]) else {
            throw try unexpected(at: position, ", expected a digit after '-'")
        }
        var magnitude: UInt64 = 0
        let integerStart = position
        if input[position] == UInt8(ascii: "0") {
            position += 1
            if position < input.count, Self.isDigit(input[position]) {
                throw failure(at: start, "leading zeros are not allowed")
            }
        } else {
            while position < input.count, Self.isDigit(input[position]) {
                if position - integerStart < 18 {
                    magnitude = magnitude * 10 + UInt64(input[position] - UInt8(ascii: "0"))
                }
                position += 1
            }
        }
        let integerDigits = position - integerStart
        var isInteger = true
        if position < input.count, input[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            try skipRequiredDigits("after the decimal point")
        }
        if position < input.count, input[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if position < input.count, input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-") {
                position += 1
            }
            try skipRequiredDigits("in the exponent")
        }
        if isInteger, integerDigits <= 16, magnitude <= UInt64(JSONValue.safeIntegerRange.upperBound) {
            let value = Int64(magnitude)
            return .integer(negative ? -value : value)
        }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: input[start ..< position]), as: UTF8.self)
        guard let value = Double(literal), value.isFinite else {
            throw failure(at: start, "number \(literal.prefix(40)) is out of range for a double")
        }
        return .number(value)
    }

    private mutating func skipRequiredDigits(_ place: String) throws(JSONError) {
        guard position < input.count else {
            throw failure(at: position, "unexpected end of input, expected a digit \(place)")
        }
        guard Self.isDigit(input[position]) else {
            throw try unexpected(at: position, ", expected a digit \(place)")
        }
        repeat {
            position += 1
        } while position < input.count && Self.isDigit(input[position])
    }

    // MARK: Strings

    /// Parses the string whose opening quote is at `position`.
    private mutating func parseString() throws(JSONError) -> String {
        let start = position
        var index = start + 1
        let end = input.count
        var isASCII = true
        while true {
            index = ByteScan.firstSpecial(in: input, from: index, to: end, stopAtNonASCII: true)
            guard index < end else { break }
            let byte = input[index]
            if byte == UInt8(ascii: "\"") {
                let length = index - start - 1
                if length > limits.maxStringBytes {
                    throw failure(at: start, "string is longer than the limit of \(limits.maxStringBytes) bytes")
                }
                position = index + 1
                lastStringHadEscapes = false
                return Self.makeString(UnsafeBufferPointer(rebasing: input[start + 1 ..< index]), isASCII: isASCII)
            } else if byte == UInt8(ascii: "\\") {
                return try parseEscapedString(start: start, firstEscape: index)
            } else if byte < 0x20 {
                throw controlCharacterFailure(at: index)
            } else {
                isASCII = false
                index = try endOfUTF8Sequence(at: index)
            }
        }
        throw failure(at: start, "unterminated string")
    }

    /// A `String` from bytes this parser has already validated (the parser is stricter than
    /// UTF-8 itself), without the standard library validating them a second time. Where that
    /// API is unavailable (Apple platforms before 26) the bytes are simply validated again.
    @inline(__always)
    private static func makeString(_ bytes: UnsafeBufferPointer<UInt8>, isASCII: Bool) -> String {
        if #available(macOS 26.0, iOS 26.0, tvOS 26.0, watchOS 26.0, visionOS 26.0, *) {
            return String(copying: UTF8Span(unchecked: bytes.span, isKnownASCII: isASCII))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The slow path of ``parseString()``: decodes into `scratch` from the first backslash on.
    private mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[start + 1 ..< firstEscape]))
        var index = firstEscape
        let end = input.count
        while index < end {
            let byte = input[index]
            if byte == UInt8(ascii: "\"") {
                // The length was checked after every step below.
                position = index + 1
                lastStringHadEscapes = true
                return scratch.withUnsafeBufferPointer { Self.makeString($0, isASCII: false) }
            } else if byte == UInt8(ascii: "\\") {
                index = try decodeEscape(at: index, stringStart: start)
            } else if byte < 0x20 {
                throw controlCharacterFailure(at: index)
            } else {
                let runStart = index
                while index < end {
                    index = ByteScan.firstSpecial(in: input, from: index, to: end, stopAtNonASCII: true)
                    guard index < end, input[index] >= 0x80 else { break }
                    index = try endOfUTF8Sequence(at: index)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart ..< index]))
            }
            if scratch.count > limits.maxStringBytes {
                throw failure(at: start, "string is longer than the limit of \(limits.maxStringBytes) bytes")
            }
        }
        throw failure(at: start, "unterminated string")
    }

    /// Decodes the escape sequence whose backslash is at `index` into `scratch`; returns the index after it.
    private mutating func decodeEscape(at index: Int, stringStart: Int) throws(JSONError) -> Int {
        guard index + 1 < input.count else {
            throw failure(at: stringStart, "unterminated string")
        }
        let decoded: UInt8
        switch input[index + 1] {
        case UInt8(ascii: "\""): decoded = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): decoded = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): decoded = UInt8(ascii: "/")
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: index)
        default:
            throw failure(at: index, "invalid escape \\\(try describeEscapedCharacter(at: index + 1))")
        }
        scratch.append(decoded)
        return index + 2
    }

    /// Decodes `\uXXXX` (and the `\uXXXX` of its low surrogate if it is a high one) at `index`.
    private mutating func decodeUnicodeEscape(at index: Int) throws(JSONError) -> Int {
        let unit = try hexQuad(at: index + 2, escapeAt: index)
        var scalarValue = UInt32(unit)
        var next = index + 6
        switch unit {
        case 0xD800 ... 0xDBFF:
            guard next + 1 < input.count,
                  input[next] == UInt8(ascii: "\\"), input[next + 1] == UInt8(ascii: "u")
            else {
                throw failure(at: index, "lone surrogate \\u\(Self.hex4(unit))")
            }
            let low = try hexQuad(at: next + 2, escapeAt: next)
            guard (0xDC00 ... 0xDFFF).contains(low) else {
                throw failure(at: index, "lone surrogate \\u\(Self.hex4(unit))")
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        case 0xDC00 ... 0xDFFF:
            throw failure(at: index, "lone surrogate \\u\(Self.hex4(unit))")
        default:
            break
        }
        if Self.isNoncharacter(scalarValue) {
            throw failure(at: index, "noncharacter U+\(Self.hex4(scalarValue).uppercased()) is not allowed (I-JSON)")
        }
        appendUTF8(scalarValue)
        return next
    }

    private func hexQuad(at index: Int, escapeAt: Int) throws(JSONError) -> UInt16 {
        guard index + 4 <= input.count else {
            throw failure(at: escapeAt, "invalid escape: \\u must be followed by four hex digits")
        }
        var value: UInt16 = 0
        for offset in 0 ..< 4 {
            let byte = input[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw failure(at: escapeAt, "invalid escape: \\u must be followed by four hex digits")
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0 ..< 0x80:
            scratch.append(UInt8(scalar))
        case 0x80 ..< 0x800:
            scratch.append(0xC0 | UInt8(scalar >> 6))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        case 0x800 ..< 0x10000:
            scratch.append(0xE0 | UInt8(scalar >> 12))
            scratch.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        default:
            scratch.append(0xF0 | UInt8(scalar >> 18))
            scratch.append(0x80 | UInt8(scalar >> 12 & 0x3F))
            scratch.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    // MARK: UTF-8

    /// I-JSON (RFC 7493 §2.1) forbids noncharacters: U+FDD0–U+FDEF and the last two code points
    /// of every plane.
    @inline(__always)
    static func isNoncharacter(_ scalar: UInt32) -> Bool {
        scalar >= 0xFDD0 && (scalar <= 0xFDEF || scalar & 0xFFFE == 0xFFFE)
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte (≥ 0x80) is at `index` and returns
    /// the index after it. Refuses what RFC 3629 refuses (stray continuation bytes, overlong
    /// forms, encoded surrogates, code points above U+10FFFF, truncation) and I-JSON noncharacters.
    private func endOfUTF8Sequence(at index: Int) throws(JSONError) -> Int {
        let lead = input[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80 ... 0xBF
        switch lead {
        case 0xC2 ... 0xDF:
            length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0 ... 0xBF
        case 0xE1 ... 0xEC, 0xEE ... 0xEF:
            length = 3
        case 0xED:
            length = 3
            secondRange = 0x80 ... 0x9F
        case 0xF0:
            length = 4
            secondRange = 0x90 ... 0xBF
        case 0xF1 ... 0xF3:
            length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80 ... 0x8F
        case 0x80 ... 0xBF:
            throw failure(at: index, "invalid UTF-8 byte \(Self.hexByte(lead)) (continuation byte without a lead byte)")
        case 0xC0, 0xC1:
            throw failure(at: index, "invalid UTF-8 byte \(Self.hexByte(lead)) (overlong encoding)")
        default:
            throw failure(at: index, "invalid UTF-8 byte \(Self.hexByte(lead))")
        }
        guard index + length <= input.count else {
            throw failure(at: index, "truncated UTF-8 sequence")
        }
        var scalar = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1 ..< length {
            let byte = input[index + offset]
            guard byte & 0xC0 == 0x80 else {
                throw failure(at: index + offset, "invalid UTF-8 byte \(Self.hexByte(byte)) (expected a continuation byte)")
            }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        let second = input[index + 1]
        if !secondRange.contains(second) {
            switch lead {
            case 0xE0, 0xF0:
                throw failure(at: index, "invalid UTF-8: overlong encoding")
            case 0xED:
                throw failure(at: index, "invalid UTF-8: encoded surrogate U+\(Self.hex4(scalar).uppercased())")
            default:
                throw failure(at: index, "invalid UTF-8: code point above U+10FFFF")
            }
        }
        if Self.isNoncharacter(scalar) {
            throw failure(at: index, "noncharacter U+\(Self.hex4(scalar).uppercased()) is not allowed (I-JSON)")
        }
        return index + length
    }

    // MARK: Errors

    private func failure(at offset: Int, _ reason: String) -> JSONError {
        JSONError(reason: reason, offset: offset)
    }

    private func controlCharacterFailure(at index: Int) -> JSONError {
        failure(at: index, "unescaped control character U+\(Self.hex4(UInt32(input[index])).uppercased()) in string")
    }

    private static let expectedValue = ", expected a value"

    /// "unexpected character 'x'<context>", or the UTF-8 error if the input is not valid there.
    /// `context` starts with its own separator: `", expected a value"`, `" after array element, …"`.
    private func unexpected(at index: Int, _ context: String) throws(JSONError) -> JSONError {
        let byte = input[index]
        var hint = ""
        switch byte {
        case UInt8(ascii: "/"): hint = " (comments are not allowed)"
        case UInt8(ascii: "'"): hint = " (strings need double quotes)"
        case UInt8(ascii: "N"), UInt8(ascii: "I"): hint = " (NaN and Infinity are not allowed)"
        case UInt8(ascii: "+") where context == Self.expectedValue: hint = " (numbers cannot start with '+')"
        case UInt8(ascii: "."): hint = context == Self.expectedValue ? " (numbers need a digit before '.')" : ""
        default: break
        }
        return failure(at: index, "unexpected character \(try describeCharacter(at: index))\(context)\(hint)")
    }

    /// `'x'` for printable ASCII (`"'"` for the apostrophe), `U+000A` for controls,
    /// `'é' (U+00E9)` for other characters. Throws the UTF-8 error if the bytes at `index` are
    /// not valid UTF-8.
    private func describeCharacter(at index: Int) throws(JSONError) -> String {
        let byte = input[index]
        if byte == UInt8(ascii: "'") {
            return "\"'\""
        }
        if byte >= 0x20, byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        if byte < 0x80 {
            return "U+\(Self.hex4(UInt32(byte)).uppercased())"
        }
        let end = try endOfUTF8Sequence(at: index)
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[index ..< end]), as: UTF8.self)
        let scalar = text.unicodeScalars.first?.value ?? 0
        return "'\(text)' (U+\(Self.hex4(scalar).uppercased()))"
    }

    /// The character after a backslash, for "invalid escape \q".
    private func describeEscapedCharacter(at index: Int) throws(JSONError) -> String {
        let byte = input[index]
        if byte >= 0x20, byte < 0x7F {
            return String(Character(Unicode.Scalar(byte)))
        }
        return " followed by \(try describeCharacter(at: index))"
    }

    /// At least four lowercase hex digits.
    private static func hex4(_ value: some BinaryInteger) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return "0x" + (digits.count == 1 ? "0" + digits : digits)
    }
}
