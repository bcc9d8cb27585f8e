import XCTest
import CanonicalJSON

final class JSONPointerTests: XCTestCase {
    func testRootIsTheEmptyString() {
        XCTAssertEqual(JSONPointer.root.description, "")
        XCTAssertEqual(JSONPointer.root.tokens, [])
        XCTAssertEqual(JSONPointer([]), .root)
    }

    func testAppending() {
        let pointer = JSONPointer.root.appending("payload").appending("lines").appending(index: 3).appending("amount")
        XCTAssertEqual(pointer.tokens, ["payload", "lines", "3", "amount"])
        XCTAssertEqual(pointer.description, "/payload/lines/3/amount")
        XCTAssertEqual(JSONPointer.root.appending("").description, "/")
        XCTAssertEqual(JSONPointer(["", ""]).description, "//")
    }

    /// RFC 6901 §3: `~` is written `~0` and `/` is written `~1` (in that order of precedence).
    func testEscaping() {
        XCTAssertEqual(JSONPointer(["a/b"]).description, "/a~1b")
        XCTAssertEqual(JSONPointer(["m~n"]).description, "/m~0n")
        XCTAssertEqual(JSONPointer(["~1"]).description, "/~01")
        XCTAssertEqual(JSONPointer(["/~/"]).description, "/~1~0~1")
        XCTAssertEqual(JSONPointer(["é", "😂 x"]).description, "/é/😂 x")
    }

    func testEqualityIsByScalars() {
        XCTAssertEqual(JSONPointer(["a", "b"]), JSONPointer(["a"]).appending("b"))
        XCTAssertNotEqual(JSONPointer(["\u{C5}"]), JSONPointer(["A\u{30A}"]))
        XCTAssertNotEqual(JSONPointer(["ab"]), JSONPointer(["a", "b"]))
        XCTAssertEqual(Set([JSONPointer(["x"]), JSONPointer(["x"]), JSONPointer(["y"])]).count, 2)
    }
}
