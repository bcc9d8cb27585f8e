import XCTest
import CanonicalJSON

final class JSONValueTests: XCTestCase {
    func testLiterals() {
        let value: JSONValue = ["s": "text", "i": 42, "b": true, "n": nil, "a": [1, "x", false]]
        XCTAssertEqual(value["s"], .string("text"))
        XCTAssertEqual(value["i"], .integer(42))
        XCTAssertEqual(value["b"], .bool(true))
        XCTAssertEqual(value["n"], .null)
        XCTAssertEqual(value["a"], .array([.integer(1), .string("x"), .bool(false)]))
        XCTAssertNil(value["missing"])
    }

    func testAccessors() {
        XCTAssertEqual(JSONValue.string("x").stringValue, "x")
        XCTAssertNil(JSONValue.integer(1).stringValue)
        XCTAssertEqual(JSONValue.integer(7).integerValue, 7)
        XCTAssertNil(JSONValue.number(7).integerValue)
        XCTAssertEqual(JSONValue.bool(false).boolValue, false)
        XCTAssertNil(JSONValue.null.boolValue)
        XCTAssertEqual(JSONValue.array([1]).arrayValue, [1])
        XCTAssertNil(JSONValue.object(JSONObject()).arrayValue)
        XCTAssertEqual(JSONValue.object(["k": 1]).objectValue?["k"], 1)
        XCTAssertNil(JSONValue.array([]).objectValue)
        XCTAssertTrue(JSONValue.null.isNull)
        XCTAssertFalse(JSONValue.bool(false).isNull)
        XCTAssertNil(JSONValue.array([1])["k"])
        XCTAssertEqual(JSONValue.array([1, 2])[1], 2)
        XCTAssertNil(JSONValue.array([1, 2])[2])
        XCTAssertNil(JSONValue.array([1, 2])[-1])
        XCTAssertNil(JSONValue.object(["k": 1])[0])
    }

    /// Equality is exact: strings compare by scalars, numbers keep their case.
    func testEquality() {
        XCTAssertNotEqual(JSONValue.string("\u{C5}"), JSONValue.string("A\u{30A}"))
        XCTAssertNotEqual(Set<JSONValue>([.string("\u{C5}"), .string("A\u{30A}")]).count, 1)
        XCTAssertNotEqual(JSONValue.integer(1), JSONValue.number(1))
        XCTAssertEqual(JSONValue.number(0), JSONValue.number(-0.0))
        XCTAssertEqual(Set<JSONValue>([.number(0), .number(-0.0)]).count, 1)
        XCTAssertNotEqual(JSONValue.array([1, 2]), JSONValue.array([2, 1]))
        XCTAssertNotEqual(JSONValue.null, JSONValue.bool(false))
        XCTAssertEqual(JSONValue.object(["a": ["b": [nil]]]), JSONValue.object(["a": ["b": [nil]]]))
        let values: [JSONValue] = [nil, true, false, 0, 1, .number(0.5), "", "a", [], [nil], [:], ["a": nil]]
        for (i, left) in values.enumerated() {
            for (j, right) in values.enumerated() {
                XCTAssertEqual(left == right, i == j, "\(left) vs \(right)")
            }
        }
        XCTAssertEqual(Set(values).count, values.count)
    }

    func testEqualValuesHaveEqualCanonicalBytes() throws {
        let first = try JSONValue.parse(#"{"b":[1,2.5,"x"],"a":{"\u00e9":null}}"#)
        let second = try JSONValue.parse(#"{ "a" : { "é" : null } , "b" : [ 1 , 25e-1 , "\u0078" ] }"#)
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.hashValue, second.hashValue)
        XCTAssertEqual(first.canonicalBytes, second.canonicalBytes)
    }

    func testFirstNonIntegerNumber() throws {
        XCTAssertNil(try JSONValue.parse(#"{"a":[1,-2,{"b":9007199254740991}],"c":"1.5","d":null}"#).firstNonIntegerNumber())
        XCTAssertEqual(
            try JSONValue.parse(#"{"payload":{"amount":12.5,"fee":0.1}}"#).firstNonIntegerNumber(),
            JSONPointer(["payload", "amount"])
        )
        XCTAssertEqual(
            try JSONValue.parse(#"{"z":1.5,"a":[1,2,{"x/y":1e3}]}"#).firstNonIntegerNumber()?.description,
            "/a/2/x~1y"
        )
        XCTAssertEqual(try JSONValue.parse("9007199254740993").firstNonIntegerNumber(), .root)
        XCTAssertEqual(try JSONValue.parse("[1,1.0]").firstNonIntegerNumber(), JSONPointer(["1"]))
        XCTAssertEqual(JSONValue.array([0, .integer(Int64.max)]).firstNonIntegerNumber(), JSONPointer(["1"]))
        XCTAssertEqual(JSONValue.integer(-9_007_199_254_740_992).firstNonIntegerNumber(), .root)
        XCTAssertNil(JSONValue.integer(-9_007_199_254_740_991).firstNonIntegerNumber())
    }

    func testDescriptionIsCanonicalText() {
        let value: JSONValue = ["b": "\n", "a": [1, true, nil]]
        XCTAssertEqual(value.description, #"{"a":[1,true,null],"b":"\n"}"#)
        XCTAssertEqual("\(value)", value.canonicalString)
    }

    func testSafeIntegerRange() {
        XCTAssertEqual(JSONValue.safeIntegerRange.upperBound, (1 << 53) - 1)
        XCTAssertEqual(JSONValue.safeIntegerRange.lowerBound, -((1 << 53) - 1))
    }

    func testDefaultLimits() {
        XCTAssertEqual(JSONLimits.default.maxDepth, 64)
        XCTAssertEqual(JSONLimits.default.maxStringBytes, 1 << 20)
        XCTAssertEqual(JSONLimits.default.maxBytes, 16 << 20)
    }
}
