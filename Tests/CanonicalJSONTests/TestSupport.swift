import XCTest
import CanonicalJSON

/// The repository's `Tests/Fixtures` directory, found from this file's location so that tests
/// need no bundle resources.
let fixturesDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // CanonicalJSONTests
    .deletingLastPathComponent()  // Tests
    .appendingPathComponent("Fixtures")

/// Parses `text` expecting success.
func parsed(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
    do {
        return try JSONValue.parse(text)
    } catch {
        XCTFail("refused \(text.debugDescription): \(error)", file: file, line: line)
        return nil
    }
}

/// Asserts that `bytes` are refused with exactly this position and reason.
func assertRefused(
    _ bytes: [UInt8],
    limits: JSONLimits = .default,
    line: Int,
    column: Int,
    offset: Int? = nil,
    _ reason: String,
    file: StaticString = #filePath,
    testLine: UInt = #line
) {
    do {
        let value = try JSONValue.parse(bytes, limits: limits)
        XCTFail("accepted \(String(decoding: bytes, as: UTF8.self).debugDescription) as \(value)", file: file, line: testLine)
    } catch {
        XCTAssertEqual(error.reason, reason, file: file, line: testLine)
        XCTAssertEqual(error.line, line, "line", file: file, line: testLine)
        XCTAssertEqual(error.column, column, "column", file: file, line: testLine)
        if let offset {
            XCTAssertEqual(error.offset, offset, "offset", file: file, line: testLine)
        }
        XCTAssertEqual(error.description, "line \(line), column \(column): \(reason)", file: file, line: testLine)
    }
}

/// Asserts that `text` is refused with exactly this position and reason.
func assertRefused(
    _ text: String,
    limits: JSONLimits = .default,
    line: Int = 1,
    column: Int,
    offset: Int? = nil,
    _ reason: String,
    file: StaticString = #filePath,
    testLine: UInt = #line
) {
    assertRefused(Array(text.utf8), limits: limits, line: line, column: column, offset: offset, reason, file: file, testLine: testLine)
}

/// Reference UTF-16 order (RFC 8785 §3.2.3), written the obvious way.
func utf16Precedes(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf16.lexicographicallyPrecedes(rhs.utf16)
}
