import Foundation
import XCTest
import CanonicalJSON

/// What the parser accepts, and what it builds from it.
final class ParserTests: XCTestCase {
    func testScalars() {
        XCTAssertEqual(parsed("null"), .null)
        XCTAssertEqual(parsed("true"), .bool(true))
        XCTAssertEqual(parsed("false"), .bool(false))
        XCTAssertEqual(parsed("\"\""), .string(""))
        XCTAssertEqual(parsed("42"), .integer(42))
        XCTAssertEqual(parsed("-42"), .integer(-42))
        XCTAssertEqual(parsed("0.5"), .number(0.5))
        XCTAssertEqual(parsed("-2.5e-3"), .number(-0.0025))
        XCTAssertEqual(parsed("1E+2"), .number(100))
    }

    func testEscapes() {
        XCTAssertEqual(
            parsed(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00""#),
            .string("\"\\/\u{8}\u{C}\n\r\tAé€😀")
        )
        XCTAssertEqual(parsed(#""\u0000""#), .string("\u{0}"))
        XCTAssertEqual(parsed(#""a\u0000b""#)?.canonicalString, #""a\u0000b""#)
        XCTAssertEqual(parsed(#""plain then \n escaped then ü then \u00fc""#), .string("plain then \n escaped then ü then ü"))
    }

    func testRawUnicode() {
        let text = "\"A\u{30A} é € 😂 \u{2028}\u{2029} \u{10FFFD}\""
        XCTAssertEqual(parsed(text), .string("A\u{30A} é € 😂 \u{2028}\u{2029} \u{10FFFD}"))
        // Not normalized: the decomposed form survives unchanged.
        XCTAssertEqual(parsed(text)?.stringValue?.unicodeScalars.count, 13)
    }

    func testNestedStructures() throws {
        let value = try JSONValue.parse(#"{"b":[1,{"d":null,"c":[true,false]}],"a":{"z":{},"y":[]}}"#)
        XCTAssertEqual(value["a"]?["z"], .object(JSONObject()))
        XCTAssertEqual(value["a"]?["y"], .array([]))
        XCTAssertEqual(value["b"]?[1]?["c"], [true, false])
        XCTAssertEqual(value["b"]?[0], 1)
        XCTAssertEqual(value.objectValue?.keys, ["a", "b"])
        XCTAssertEqual(value.canonicalString, #"{"a":{"y":[],"z":{}},"b":[1,{"c":[true,false],"d":null}]}"#)
    }

    func testLongStringsAndManyMembers() throws {
        let long = String(repeating: "abcdefghij", count: 10_000)
        XCTAssertEqual(try JSONValue.parse("\"\(long)\""), .string(long))
        let escaped = String(repeating: "ab\\ncd\\u00e9", count: 5_000)
        XCTAssertEqual(try JSONValue.parse("\"\(escaped)\"").stringValue, String(repeating: "ab\ncdé", count: 5_000))
        let members = (0 ..< 2_000).reversed().map { "\"k\($0)\":[\($0)]" }.joined(separator: ",")
        let object = try JSONValue.parse("{\(members)}").objectValue
        XCTAssertEqual(object?.count, 2_000)
        XCTAssertEqual(object?["k1234"], [1234])
        XCTAssertEqual(object?.keys, (0 ..< 2_000).map { "k\($0)" }.sorted(by: utf16Precedes))
        let elements = (0 ..< 5_000).map(String.init).joined(separator: ",")
        XCTAssertEqual(try JSONValue.parse("[\(elements)]").arrayValue?.count, 5_000)
    }

    /// Pending elements and members of outer containers survive when the parser's work stacks
    /// outgrow their initial storage in the middle of an inner container.
    func testWorkStacksGrowWhileNested() throws {
        func build(_ level: Int) -> JSONValue {
            guard level > 0 else { return "leaf" }
            var object = JSONObject()
            for index in 0 ..< 20 {
                object["m\(index)"] = .array((0 ..< 20).map { $0 == 19 ? build(level - 1) : .integer(Int64($0 * index)) })
            }
            return .object(object)
        }
        let value = build(3)
        let noisy = try JSONValue.parse(value.canonicalString.replacingOccurrences(of: ",", with: " ,\n "))
        XCTAssertEqual(noisy, value)
        let reversed = try JSONValue.parse(
            "{" + (value.objectValue ?? JSONObject()).reversed().map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        )
        XCTAssertEqual(reversed, value)
    }

    /// The same text parses identically from every kind of byte collection.
    func testInputKinds() throws {
        let text = #"{"k":["v",1,{"é":"€"}]}"#
        let expected = try JSONValue.parse(text)
        let bytes = Array(text.utf8)
        XCTAssertEqual(try JSONValue.parse(bytes), expected)
        XCTAssertEqual(try JSONValue.parse(Data(bytes)), expected)
        XCTAssertEqual(try JSONValue.parse(text.utf8), expected)
        XCTAssertEqual(try JSONValue.parse(("xx" + text + "yy").utf8.dropFirst(2).dropLast(2)), expected)
        XCTAssertEqual(try JSONValue.parse(Array(("[" + text + "]").utf8)[1 ..< bytes.count + 1]), expected)
        XCTAssertEqual(try JSONValue.parse(ContiguousArray(bytes)), expected)
        // A non-contiguous collection is copied first.
        XCTAssertEqual(try JSONValue.parse(bytes.lazy.map { $0 }.reversed().reversed()), expected)
        // Errors from a slice count offsets from the start of the slice.
        XCTAssertThrowsError(try JSONValue.parse(Array("xx[1,]".utf8)[2...])) { error in
            XCTAssertEqual((error as? JSONError)?.offset, 3)
        }
    }

    func testDepthLimitedOnlyByContainers() throws {
        let deep = String(repeating: "[", count: 64) + "\"x\"" + String(repeating: "]", count: 64)
        var value = try JSONValue.parse(deep)
        var depth = 0
        while case .array(let elements) = value {
            depth += 1
            value = elements[0]
        }
        XCTAssertEqual(depth, 64)
        XCTAssertEqual(value, "x")
    }

    /// Canonical output read back for verification is accepted as is and reproduces itself.
    func testCanonicalBytesAreAFixedPoint() throws {
        let text = #"{"z":[3,2,1],"a":{"\u00e9":"x","e":"\u0001"},"m":-0,"n":1.5e300}"#
        let canonical = try JSONValue.parse(text).canonicalBytes
        XCTAssertEqual(String(decoding: canonical, as: UTF8.self), #"{"a":{"e":"\u0001","é":"x"},"m":0,"n":1.5e+300,"z":[3,2,1]}"#)
        XCTAssertEqual(try JSONValue.parse(canonical).canonicalBytes, canonical)
    }
}
