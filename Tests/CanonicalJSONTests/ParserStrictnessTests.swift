import XCTest
import CanonicalJSON

/// Everything RFC 8259, I-JSON (RFC 7493) and RFC 8785 refuse is refused, at the right place
/// and with a reason a person can act on.
final class ParserStrictnessTests: XCTestCase {
    // MARK: Document structure

    func testEmptyInput() {
        assertRefused("", column: 1, offset: 0, "unexpected end of input, expected a value")
        assertRefused(" \n\t", line: 2, column: 2, offset: 3, "unexpected end of input, expected a value")
    }

    func testByteOrderMark() {
        assertRefused("\u{FEFF}{}", column: 1, offset: 0, "byte order mark (U+FEFF) is not allowed")
    }

    func testTrailingGarbage() {
        assertRefused("{} x", column: 4, offset: 3, "unexpected character 'x' after the JSON value, expected end of input")
        assertRefused("{}{}", column: 3, "unexpected character '{' after the JSON value, expected end of input")
        assertRefused("1 2", column: 3, "unexpected character '2' after the JSON value, expected end of input")
        assertRefused("truex", column: 5, "unexpected character 'x' after the JSON value, expected end of input")
        assertRefused("\"a\"\u{0}", column: 4, "unexpected character U+0000 after the JSON value, expected end of input")
    }

    func testOnlyJSONWhitespace() {
        assertRefused("\u{0C}1", column: 1, "unexpected character U+000C, expected a value")
        assertRefused("[1,\u{0B}2]", column: 4, "unexpected character U+000B, expected a value")
        assertRefused("[\u{A0}1]", column: 2, "unexpected character '\u{A0}' (U+00A0), expected a value")
        XCTAssertEqual(parsed(" \t\r\n[ 1 ,\t2\r\n]\n "), [1, 2])
    }

    func testComments() {
        assertRefused("// note\n{}", column: 1, "unexpected character '/', expected a value (comments are not allowed)")
        assertRefused("{} /* note */", column: 4, "unexpected character '/' after the JSON value, expected end of input (comments are not allowed)")
        assertRefused("[1 /* x */]", column: 4, "unexpected character '/' after array element, expected ',' or ']' (comments are not allowed)")
    }

    func testTrailingCommas() {
        assertRefused("[1,]", column: 4, offset: 3, "trailing comma before ']' is not allowed")
        assertRefused("[1, \n ]", line: 2, column: 2, "trailing comma before ']' is not allowed")
        assertRefused("{\"a\":1,}", column: 8, "trailing comma before '}' is not allowed")
        assertRefused("[,1]", column: 2, "unexpected character ',', expected a value")
        assertRefused("[1,,2]", column: 4, "unexpected character ',', expected a value")
    }

    func testArrayAndObjectSyntax() {
        assertRefused("[1 2]", column: 4, "unexpected character '2' after array element, expected ',' or ']'")
        assertRefused("[1,2", column: 5, "unexpected end of input in array, expected ',' or ']'")
        assertRefused("[1,", column: 4, "unexpected end of input, expected a value")
        assertRefused("[", column: 2, "unexpected end of input, expected a value")
        assertRefused("{", column: 2, "unexpected end of input in object, expected a member name")
        assertRefused("{a:1}", column: 2, "unexpected character 'a', expected a member name in double quotes")
        assertRefused("{'a':1}", column: 2, "unexpected character \"'\", expected a member name in double quotes (strings need double quotes)")
        assertRefused("{1:1}", column: 2, "unexpected character '1', expected a member name in double quotes")
        assertRefused("{\"a\" 1}", column: 6, "unexpected character '1' after member name, expected ':'")
        assertRefused("{\"a\"", column: 5, "unexpected end of input in object, expected ':'")
        assertRefused("{\"a\":}", column: 6, "unexpected character '}', expected a value")
        assertRefused("{\"a\":1 \"b\":2}", column: 8, "unexpected character '\"' after object member, expected ',' or '}'")
        assertRefused("{\"a\":1", column: 7, "unexpected end of input in object, expected ',' or '}'")
        assertRefused("{\"a\":1]", column: 7, "unexpected character ']' after object member, expected ',' or '}'")
        assertRefused("[1}", column: 3, "unexpected character '}' after array element, expected ',' or ']'")
        assertRefused("]", column: 1, "unexpected character ']', expected a value")
    }

    func testLiterals() {
        assertRefused("tru", column: 4, "unexpected end of input in literal, expected 'true'")
        assertRefused("[tru]", column: 5, "unexpected character ']' in literal, expected 'true'")
        assertRefused("nul", column: 4, "unexpected end of input in literal, expected 'null'")
        assertRefused("fals e", column: 5, "unexpected character ' ' in literal, expected 'false'")
        assertRefused("True", column: 1, "unexpected character 'T', expected a value")
        assertRefused("NULL", column: 1, "unexpected character 'N', expected a value (NaN and Infinity are not allowed)")
        assertRefused("undefined", column: 1, "unexpected character 'u', expected a value")
    }

    // MARK: Numbers

    func testLeadingZeros() {
        assertRefused("01", column: 1, "leading zeros are not allowed")
        assertRefused("[1, 007]", column: 5, offset: 4, "leading zeros are not allowed")
        assertRefused("-01", column: 1, "leading zeros are not allowed")
        assertRefused("00.5", column: 1, "leading zeros are not allowed")
        XCTAssertEqual(parsed("0.5"), .number(0.5))
        XCTAssertEqual(parsed("0e1"), .number(0))
    }

    func testNaNAndInfinity() {
        assertRefused("NaN", column: 1, "unexpected character 'N', expected a value (NaN and Infinity are not allowed)")
        assertRefused("[Infinity]", column: 2, "unexpected character 'I', expected a value (NaN and Infinity are not allowed)")
        assertRefused("-Infinity", column: 2, "unexpected character 'I', expected a digit after '-' (NaN and Infinity are not allowed)")
    }

    func testMalformedNumbers() {
        assertRefused("-", column: 2, "unexpected end of input, expected a digit after '-'")
        assertRefused("[-]", column: 3, "unexpected character ']', expected a digit after '-'")
        assertRefused("[1.]", column: 4, "unexpected character ']', expected a digit after the decimal point")
        assertRefused("1.", column: 3, "unexpected end of input, expected a digit after the decimal point")
        assertRefused("[1e]", column: 4, "unexpected character ']', expected a digit in the exponent")
        assertRefused("1e+", column: 4, "unexpected end of input, expected a digit in the exponent")
        assertRefused("[.5]", column: 2, "unexpected character '.', expected a value (numbers need a digit before '.')")
        assertRefused("[+1]", column: 2, "unexpected character '+', expected a value (numbers cannot start with '+')")
        assertRefused("0x10", column: 2, "unexpected character 'x' after the JSON value, expected end of input")
        assertRefused("1.5.2", column: 4, "unexpected character '.' after the JSON value, expected end of input")
    }

    func testNumbersBeyondDoubleRange() {
        assertRefused("1e400", column: 1, "number 1e400 is out of range for a double")
        assertRefused("[0, -1.5e309]", column: 5, "number -1.5e309 is out of range for a double")
        let huge = "1" + String(repeating: "0", count: 400)
        assertRefused(huge, column: 1, "number \(huge.prefix(40)) is out of range for a double")
    }

    // MARK: Strings

    func testUnescapedControlCharacters() {
        assertRefused("\"a\u{1}\"", column: 3, offset: 2, "unescaped control character U+0001 in string")
        assertRefused("\"a\tb\"", column: 3, "unescaped control character U+0009 in string")
        assertRefused("[\"line\nbreak\"]", column: 7, "unescaped control character U+000A in string")
        assertRefused("\"\u{1F}\"", column: 2, "unescaped control character U+001F in string")
        assertRefused("\"\\n\u{0}\"", column: 4, "unescaped control character U+0000 in string")
        XCTAssertEqual(parsed("\"\u{7F}\""), .string("\u{7F}"))
    }

    func testInvalidEscapes() {
        assertRefused("\"\\q\"", column: 2, offset: 1, "invalid escape \\q")
        assertRefused("\"ab\\x41\"", column: 4, "invalid escape \\x")
        assertRefused("\"\\'\"", column: 2, "invalid escape \\'")
        assertRefused("\"\\U0041\"", column: 2, "invalid escape \\U")
        assertRefused("\"\\\u{1}\"", column: 2, "invalid escape \\ followed by U+0001")
        assertRefused("\"\\é\"", column: 2, "invalid escape \\ followed by 'é' (U+00E9)")
        assertRefused("\"\\u12G4\"", column: 2, "invalid escape: \\u must be followed by four hex digits")
        assertRefused("\"\\u12\"", column: 2, "invalid escape: \\u must be followed by four hex digits")
        assertRefused("\"\\u12", column: 2, "invalid escape: \\u must be followed by four hex digits")
        assertRefused("\"abc\\", column: 1, "unterminated string")
    }

    func testLoneSurrogateEscapes() {
        assertRefused("\"\\ud800\"", column: 2, "lone surrogate \\ud800")
        assertRefused("\"\\uDBFF\"", column: 2, "lone surrogate \\udbff")
        assertRefused("\"\\udc00\"", column: 2, "lone surrogate \\udc00")
        assertRefused("\"x\\ud800\\u0041\"", column: 3, "lone surrogate \\ud800")
        assertRefused("\"\\ud800\\ud800\"", column: 2, "lone surrogate \\ud800")
        assertRefused("\"\\ud800\\n\"", column: 2, "lone surrogate \\ud800")
        assertRefused("\"\\ude02\\ud83d\"", column: 2, "lone surrogate \\ude02")
        assertRefused("\"\\ud83d\\u12\"", column: 8, "invalid escape: \\u must be followed by four hex digits")
        XCTAssertEqual(parsed("\"\\ud83d\\ude02\""), .string("😂"))
        XCTAssertEqual(parsed("\"\\uD83D\\uDE02\""), .string("😂"))
    }

    func testNoncharactersAreRefused() {
        assertRefused("\"\\uFFFE\"", column: 2, "noncharacter U+FFFE is not allowed (I-JSON)")
        assertRefused("\"\\ufdd0\"", column: 2, "noncharacter U+FDD0 is not allowed (I-JSON)")
        assertRefused("\"\\ud83f\\udfff\"", column: 2, "noncharacter U+1FFFF is not allowed (I-JSON)")
        assertRefused("\"a\u{FFFF}\"", column: 3, "noncharacter U+FFFF is not allowed (I-JSON)")
        assertRefused("\"\u{10FFFE}\"", column: 2, "noncharacter U+10FFFE is not allowed (I-JSON)")
        XCTAssertEqual(parsed("\"\u{FDCF}\u{FDF0}\u{FFFD}\u{10FFFD}\""), .string("\u{FDCF}\u{FDF0}\u{FFFD}\u{10FFFD}"))
    }

    func testUnterminatedStrings() {
        assertRefused("\"abc", column: 1, "unterminated string")
        assertRefused("[\"a\", \"b", column: 7, offset: 6, "unterminated string")
        assertRefused("\"a\\\"", column: 1, "unterminated string")
        assertRefused("\"\\n", column: 1, "unterminated string")
    }

    // MARK: UTF-8

    func testInvalidUTF8() {
        let quote = UInt8(ascii: "\"")
        assertRefused([quote, 0xFF, quote], line: 1, column: 2, offset: 1, "invalid UTF-8 byte 0xff")
        assertRefused([quote, 0xF5, 0x80, 0x80, 0x80, quote], line: 1, column: 2, "invalid UTF-8 byte 0xf5")
        assertRefused([quote, 0x80, quote], line: 1, column: 2, "invalid UTF-8 byte 0x80 (continuation byte without a lead byte)")
        assertRefused([quote, 0x61, 0xBF, quote], line: 1, column: 3, "invalid UTF-8 byte 0xbf (continuation byte without a lead byte)")
        assertRefused([quote, 0xE2, 0x82, quote], line: 1, column: 3, offset: 3, "invalid UTF-8 byte 0x22 (expected a continuation byte)")
        assertRefused([quote, 0xE2, 0x82], line: 1, column: 2, "truncated UTF-8 sequence")
        assertRefused([0x5B, 0xFF, 0x5D], line: 1, column: 2, "invalid UTF-8 byte 0xff")
        assertRefused([0x5B, 0x31, 0x5D, 0xC3], line: 1, column: 4, "truncated UTF-8 sequence")
    }

    func testInvalidUTF8AfterEscapes() {
        let prefix = Array("\"\\n".utf8)
        assertRefused(prefix + [0xC3, 0x28, 0x22], line: 1, column: 5, offset: 4, "invalid UTF-8 byte 0x28 (expected a continuation byte)")
    }

    func testOverlongEncodings() {
        let quote = UInt8(ascii: "\"")
        assertRefused([quote, 0xC0, 0xAF, quote], line: 1, column: 2, "invalid UTF-8 byte 0xc0 (overlong encoding)")
        assertRefused([quote, 0xC1, 0xBF, quote], line: 1, column: 2, "invalid UTF-8 byte 0xc1 (overlong encoding)")
        assertRefused([quote, 0xE0, 0x80, 0xAF, quote], line: 1, column: 2, "invalid UTF-8: overlong encoding")
        assertRefused([quote, 0xE0, 0x9F, 0xBF, quote], line: 1, column: 2, "invalid UTF-8: overlong encoding")
        assertRefused([quote, 0xF0, 0x80, 0x80, 0xAF, quote], line: 1, column: 2, "invalid UTF-8: overlong encoding")
        assertRefused([quote, 0xF0, 0x8F, 0xBF, 0xBF, quote], line: 1, column: 2, "invalid UTF-8: overlong encoding")
    }

    func testEncodedSurrogatesAndBeyondUnicode() {
        let quote = UInt8(ascii: "\"")
        assertRefused([quote, 0xED, 0xA0, 0x80, quote], line: 1, column: 2, "invalid UTF-8: encoded surrogate U+D800")
        assertRefused([quote, 0xED, 0xBF, 0xBF, quote], line: 1, column: 2, "invalid UTF-8: encoded surrogate U+DFFF")
        assertRefused([quote, 0xF4, 0x90, 0x80, 0x80, quote], line: 1, column: 2, "invalid UTF-8: code point above U+10FFFF")
        // The boundaries on the valid side are accepted.
        XCTAssertEqual(try JSONValue.parse([quote, 0xED, 0x9F, 0xBF, quote]), .string("\u{D7FF}"))
        XCTAssertEqual(try JSONValue.parse([quote, 0xEE, 0x80, 0x80, quote]), .string("\u{E000}"))
        XCTAssertEqual(try JSONValue.parse([quote, 0xF4, 0x8F, 0xBF, 0xBD, quote]), .string("\u{10FFFD}"))
        XCTAssertEqual(try JSONValue.parse([quote, 0xC2, 0x80, quote]), .string("\u{80}"))
        XCTAssertEqual(try JSONValue.parse([quote, 0xE0, 0xA0, 0x80, quote]), .string("\u{800}"))
        XCTAssertEqual(try JSONValue.parse([quote, 0xF0, 0x90, 0x80, 0x80, quote]), .string("\u{10000}"))
    }

    // MARK: Objects

    func testDuplicateKeys() {
        assertRefused("{\"amount\":1,\"amount\":2}", column: 13, offset: 12, "duplicate key \"amount\"")
        assertRefused("{\n  \"b\": 1,\n  \"a\": 2,\n  \"b\": 3,\n  \"a\": 4\n}", line: 4, column: 3, "duplicate key \"b\"")
        assertRefused("{\"a\":1,\"b\":2,\"a\":3}", column: 14, "duplicate key \"a\"")
        assertRefused("{\"x\":{\"a\":1,\"\\u0061\":2}}", column: 13, "duplicate key \"a\"")
        assertRefused("{\"\\n\":1,\"\\u000a\":2}", column: 9, "duplicate key \"\\n\"")
        assertRefused("{\"\\ud83d\\ude02\":1,\"😂\":2}", column: 19, "duplicate key \"😂\"")
        assertRefused("[{}, {\"k\":[{\"k\":1}], \"k\":2}]", column: 22, "duplicate key \"k\"")
    }

    func testDuplicateKeyInLargeObject() {
        var members = (0 ..< 100).map { "\"key\($0)\":\($0)" }
        members.append("\"key42\":0")
        let text = "{" + members.joined(separator: ",") + "}"
        let column = text.utf8.count - "\"key42\":0}".utf8.count + 1
        assertRefused(text, column: column, "duplicate key \"key42\"")
    }

    /// Keys are compared by Unicode scalars: canonically equivalent keys are distinct.
    func testCanonicallyEquivalentKeysAreDistinct() throws {
        let value = try JSONValue.parse("{\"\u{C5}\":1,\"A\u{30A}\":2}")
        XCTAssertEqual(value.objectValue?.count, 2)
        XCTAssertEqual(value["\u{C5}"], 1)
        XCTAssertEqual(value["A\u{30A}"], 2)
    }

    // MARK: Limits

    func testNestingDepth() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNoThrow(try JSONValue.parse(deepest))
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        assertRefused(tooDeep, column: 65, offset: 64, "nesting deeper than 64")
        let objects = String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)
        assertRefused(objects, column: 64 * 5 + 1, "nesting deeper than 64")
        var limits = JSONLimits.default
        limits.maxDepth = 2
        XCTAssertNoThrow(try JSONValue.parse("[{\"a\":1}]", limits: limits))
        assertRefused("[{\"a\":[]}]", limits: limits, column: 7, "nesting deeper than 2")
        limits.maxDepth = 0
        XCTAssertEqual(try JSONValue.parse("7", limits: limits), 7)
        assertRefused("[]", limits: limits, column: 1, "nesting deeper than 0")
    }

    func testStringLength() {
        var limits = JSONLimits.default
        limits.maxStringBytes = 4
        XCTAssertNoThrow(try JSONValue.parse("[\"abcd\", \"\\u00e9\\u00e9\"]", limits: limits))
        assertRefused("[\"abcde\"]", limits: limits, column: 2, "string is longer than the limit of 4 bytes")
        assertRefused("{\"abcde\":1}", limits: limits, column: 2, "string is longer than the limit of 4 bytes")
        assertRefused("[\"\\u00e9\\u00e9\\u00e9\"]", limits: limits, column: 2, "string is longer than the limit of 4 bytes")
        assertRefused("[\"\\nabcd\"]", limits: limits, column: 2, "string is longer than the limit of 4 bytes")
    }

    func testInputSize() {
        var limits = JSONLimits.default
        limits.maxBytes = 8
        XCTAssertNoThrow(try JSONValue.parse("[1,2,3] ", limits: limits))
        assertRefused("[1,2,3,4]", limits: limits, column: 9, offset: 8, "input is 9 bytes, more than the limit of 8")
    }

    // MARK: Positions

    func testLinesAndColumns() {
        assertRefused("{\n  \"a\": 1,\n  \"b\": x\n}", line: 3, column: 8, offset: 19, "unexpected character 'x', expected a value")
        // Columns count characters (Unicode scalars), not bytes.
        assertRefused("[\"é😂\", x]", column: 8, offset: 11, "unexpected character 'x', expected a value")
        assertRefused("[1,\r\n2,\r\n@]", line: 3, column: 1, "unexpected character '@', expected a value")
    }

    func testErrorsWithoutPositionDescribeTheReasonAlone() {
        XCTAssertThrowsError(try JSONObject([("k", 1), ("k", 2)])) { error in
            let error = error as? JSONError
            XCTAssertEqual(error?.description, "duplicate key \"k\"")
            XCTAssertEqual(error?.hasPosition, false)
        }
    }
}
