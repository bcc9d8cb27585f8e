import XCTest
import CanonicalJSON

/// The RFC 8785 reference vectors from cyberphone/json-canonicalization: every input must
/// canonicalize to the expected output byte for byte.
final class CyberphoneVectorTests: XCTestCase {
    private let directory = fixturesDirectory.appendingPathComponent("vectors/jcs-rfc8785-cyberphone/testdata")
    private let names = ["arrays", "french", "structures", "unicode", "values", "weird"]

    private func bytes(_ folder: String, _ name: String, _ ext: String = "json") throws -> [UInt8] {
        let url = directory.appendingPathComponent(folder).appendingPathComponent("\(name).\(ext)")
        return Array(try Data(contentsOf: url))
    }

    func testEveryInputCanonicalizesToItsExpectedOutput() throws {
        for name in names {
            let input = try bytes("input", name)
            let expected = try bytes("output", name)
            let value = try JSONValue.parse(input)
            XCTAssertEqual(value.canonicalBytes, expected, name)
            XCTAssertEqual(value.canonicalString, String(decoding: expected, as: UTF8.self), name)
        }
    }

    func testExpectedOutputsAreFixedPoints() throws {
        for name in names {
            let expected = try bytes("output", name)
            XCTAssertEqual(try JSONValue.parse(expected).canonicalBytes, expected, name)
        }
    }

    func testHexOutputsAgreeWithOutputs() throws {
        for name in names {
            let hex = String(decoding: try bytes("outhex", name, "txt"), as: UTF8.self)
            let digits = hex.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" })
            let decoded = digits.compactMap { UInt8($0, radix: 16) }
            XCTAssertEqual(decoded.count, digits.count, name)
            XCTAssertEqual(try JSONValue.parse(try bytes("input", name)).canonicalBytes, decoded, name)
        }
    }

    func testWriteCanonicalAppendsToExistingBytes() throws {
        var buffer = Array("prefix:".utf8)
        let value = try JSONValue.parse(try bytes("input", "weird"))
        value.writeCanonical(into: &buffer)
        XCTAssertEqual(buffer, Array("prefix:".utf8) + (try bytes("output", "weird")))
    }
}
