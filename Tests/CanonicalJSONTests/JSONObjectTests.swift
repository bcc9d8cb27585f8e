import TestSupport
import XCTest
import CanonicalJSON

final class JSONObjectTests: XCTestCase {
    func testMembersAreKeptInCanonicalOrder() throws {
        let object = try JSONObject([("b", 2), ("a", 1), ("é", "x"), ("A", true)])
        XCTAssertEqual(object.keys, ["A", "a", "b", "é"])
        XCTAssertEqual(object.values, [true, 1, 2, "x"])
        XCTAssertEqual(object.count, 4)
        XCTAssertFalse(object.isEmpty)
        XCTAssertEqual(object.map(\.key), ["A", "a", "b", "é"])
        XCTAssertEqual(object.underestimatedCount, 4)
        XCTAssertTrue(JSONObject().isEmpty)
    }

    func testDuplicateKeysAreRefusedByName() {
        XCTAssertThrowsError(try JSONObject([("amount", 1), ("currency", "EUR"), ("amount", 2)])) { error in
            XCTAssertEqual(error as? JSONError, JSONError(reason: "duplicate key \"amount\""))
        }
        XCTAssertThrowsError(try JSONObject([("\n", 1), ("\n", 2)])) { error in
            XCTAssertEqual((error as? JSONError)?.reason, "duplicate key \"\\n\"")
        }
        // Canonically equivalent but different scalars: not duplicates.
        XCTAssertEqual(try JSONObject([("\u{C5}", 1), ("A\u{30A}", 2)]).count, 2)
    }

    func testSubscriptInsertsReplacesAndRemoves() {
        var object: JSONObject = ["m": 1]
        object["z"] = "last"
        object["a"] = "first"
        object["\u{1F602}"] = "smiley"
        object["\u{E000}"] = "private use"
        XCTAssertEqual(object.keys, ["a", "m", "z", "\u{1F602}", "\u{E000}"])
        object["m"] = .null
        XCTAssertEqual(object["m"], .null)
        XCTAssertEqual(object.count, 5)
        object["m"] = nil
        XCTAssertNil(object["m"])
        XCTAssertEqual(object.keys, ["a", "z", "\u{1F602}", "\u{E000}"])
        object["absent"] = nil
        XCTAssertEqual(object.count, 4)
        XCTAssertEqual(JSONValue.object(object).canonicalString, "{\"a\":\"first\",\"z\":\"last\",\"😂\":\"smiley\",\"\u{E000}\":\"private use\"}")
    }

    func testLookupDistinguishesCanonicallyEquivalentKeys() {
        var object = JSONObject()
        object["\u{C5}"] = 1
        XCTAssertNil(object["A\u{30A}"])
        object["A\u{30A}"] = 2
        XCTAssertEqual(object["\u{C5}"], 1)
        XCTAssertEqual(object["A\u{30A}"], 2)
        XCTAssertEqual(object.count, 2)
    }

    func testSubscriptAgreesWithReferenceOrderOnRandomKeys() {
        var generator = SplitMix64(seed: 7)
        let alphabet: [Unicode.Scalar] = ["a", "b", "\u{7F}", "\u{E9}", "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{10000}", "\u{1F602}", "\u{10FFFD}"]
        var object = JSONObject()
        var reference: [String: Int] = [:]
        for step in 0 ..< 2_000 {
            var key = ""
            for _ in 0 ..< Int.random(in: 0 ... 3, using: &generator) {
                key.unicodeScalars.append(alphabet.randomElement(using: &generator)!)
            }
            if Bool.random(using: &generator) {
                object[key] = .integer(Int64(step))
                reference[key] = step
            } else {
                object[key] = nil
                reference[key] = nil
            }
        }
        XCTAssertEqual(object.keys, reference.keys.sorted(by: utf16Precedes))
        for (key, value) in reference {
            XCTAssertEqual(object[key], .integer(Int64(value)))
        }
    }

    func testEqualityAndHashingIgnoreConstructionOrder() throws {
        let first = try JSONObject([("x", 1), ("y", [1, 2])])
        var second = JSONObject()
        second["y"] = [1, 2]
        second["x"] = 1
        XCTAssertEqual(first, second)
        XCTAssertEqual(Set([first, second]).count, 1)
        XCTAssertNotEqual(first, try JSONObject([("x", 1)]))
        XCTAssertNotEqual(try JSONObject([("\u{C5}", 1)]), try JSONObject([("A\u{30A}", 1)]))
    }

    func testDescriptionIsCanonical() {
        let object: JSONObject = ["b": [1, "two"], "a": nil]
        XCTAssertEqual(object.description, #"{"a":null,"b":[1,"two"]}"#)
    }
}
