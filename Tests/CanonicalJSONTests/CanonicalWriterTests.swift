import XCTest
import CanonicalJSON

/// RFC 8785 output rules beyond the reference vectors.
final class CanonicalWriterTests: XCTestCase {
    func testLiteralsAndEmptyContainers() {
        XCTAssertEqual(JSONValue.null.canonicalString, "null")
        XCTAssertEqual(JSONValue.bool(true).canonicalString, "true")
        XCTAssertEqual(JSONValue.bool(false).canonicalString, "false")
        XCTAssertEqual(JSONValue.array([]).canonicalString, "[]")
        XCTAssertEqual(JSONValue.object(JSONObject()).canonicalString, "{}")
        XCTAssertEqual(JSONValue.string("").canonicalString, "\"\"")
        XCTAssertEqual(JSONValue.integer(0).canonicalString, "0")
        XCTAssertEqual(JSONValue.integer(-7).canonicalString, "-7")
    }

    /// Exactly the six short escapes and lowercase \u00xx for the other controls.
    func testEveryControlCharacterEscape() {
        let short: [UInt8: String] = [0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"]
        for code in UInt8(0) ..< 0x20 {
            let expected = short[code] ?? "\\u00" + (code < 0x10 ? "0" : "") + String(code, radix: 16)
            let string = String(UnicodeScalar(code))
            XCTAssertEqual(JSONValue.string(string).canonicalString, "\"\(expected)\"", "U+\(code)")
            XCTAssertEqual(JSONValue.string("ab" + string + "cdefghij").canonicalString, "\"ab\(expected)cdefghij\"")
        }
        XCTAssertEqual(JSONValue.string("\u{1F}").canonicalString, "\"\\u001f\"")
    }

    func testQuotesAndBackslashesAreEscapedAndNothingElse() {
        XCTAssertEqual(JSONValue.string("\"").canonicalString, #""\"""#)
        XCTAssertEqual(JSONValue.string("\\").canonicalString, #""\\""#)
        XCTAssertEqual(JSONValue.string("a/b").canonicalString, #""a/b""#)
        XCTAssertEqual(JSONValue.string("\u{7F}\u{80}\u{2028}\u{2029}\u{FEFF}€😂").canonicalString, "\"\u{7F}\u{80}\u{2028}\u{2029}\u{FEFF}€😂\"")
        XCTAssertEqual(JSONValue.string("</script>").canonicalString, #""</script>""#)
    }

    /// Escapes at every position of strings around the 8-byte word size used by the writer.
    func testEscapesAtEveryPositionAndLength() {
        for length in 0 ..< 40 {
            for position in 0 ..< max(length, 1) {
                for special in ["\"", "\\", "\n", "\u{1}", "é"] {
                    var characters = Array(repeating: "x", count: length)
                    if length > 0 { characters[position] = special }
                    let string = characters.joined()
                    var expected = "\""
                    for character in characters {
                        switch character {
                        case "\"": expected += "\\\""
                        case "\\": expected += "\\\\"
                        case "\n": expected += "\\n"
                        case "\u{1}": expected += "\\u0001"
                        default: expected += character
                        }
                    }
                    expected += "\""
                    XCTAssertEqual(JSONValue.string(string).canonicalString, expected)
                    XCTAssertEqual(try JSONValue.parse(expected), .string(string))
                }
            }
        }
    }

    /// Keys sort by UTF-16 code units: supplementary characters (surrogates 0xD800–0xDFFF)
    /// come before U+E000–U+FFFF, unlike code point or UTF-8 order.
    func testKeysSortByUTF16CodeUnits() throws {
        let keys = ["\u{FB33}", "\u{1F602}", "\u{E000}", "\u{20AC}", "\u{D7FF}", "z", "a", "", "aa", "A", "\u{80}", "\u{FFFD}", "\u{10000}"]
        let object = try JSONObject(keys.map { ($0, .null) })
        let expected = keys.sorted(by: utf16Precedes)
        XCTAssertEqual(object.keys, expected)
        XCTAssertEqual(
            Array(expected.drop(while: { $0 != "\u{D7FF}" }).prefix(6)),
            ["\u{D7FF}", "\u{10000}", "\u{1F602}", "\u{E000}", "\u{FB33}", "\u{FFFD}"]
        )
        let text = "{" + keys.map { "\"\($0)\":null" }.joined(separator: ",") + "}"
        XCTAssertEqual(try JSONValue.parse(text).objectValue?.keys, expected)
        XCTAssertEqual(
            try JSONValue.parse(text).canonicalString,
            "{" + expected.map { "\"\($0)\":null" }.joined(separator: ",") + "}"
        )
    }

    func testRFC8785SectionThreeExample() throws {
        let input = """
        {
          "numbers": [333333333.33333329, 1E30, 4.50,
                      2e-3, 0.000000000000000000000000001],
          "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
          "literals": [null, true, false]
        }
        """
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        XCTAssertEqual(try JSONValue.parse(input).canonicalString, expected)
    }

    func testLargeOutputGrowsBeyondTheStackBuffer() throws {
        let big = JSONValue.array((0 ..< 2_000).map { .string("element \($0) with some text\n") })
        let bytes = big.canonicalBytes
        XCTAssertGreaterThan(bytes.count, 60_000)
        XCTAssertEqual(try JSONValue.parse(bytes), big)
        var buffer: [UInt8] = [0x20]
        big.writeCanonical(into: &buffer)
        XCTAssertEqual(Array(buffer.dropFirst()), bytes)
        XCTAssertEqual(big.canonicalString, String(decoding: bytes, as: UTF8.self))
    }
}
