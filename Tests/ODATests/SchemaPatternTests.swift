import CanonicalJSON
import Foundation
import TestSupport
import XCTest
@testable import ODA

/// `SchemaPattern` (the automaton the schema validator uses) against `NSRegularExpression` (the
/// reference it replaces): the same answer on every generated string, for every pattern of the
/// shipped schemas and for constructs they do not use yet.
final class SchemaPatternTests: XCTestCase {
    /// Every `pattern` in the embedded event schemas.
    private func shippedPatterns() throws -> [String] {
        var found: Set<String> = []
        for text in EventSchemaTexts.byType.values {
            var rest = Substring(text)
            while let range = rest.range(of: "\"pattern\": \"") {
                rest = rest[range.upperBound...]
                guard let close = rest.firstIndex(of: "\"") else { break }
                // The schema texts are JSON: decode the string's escapes.
                let literal = "\"" + rest[..<close] + "\""
                let decoded = try JSONDecoder().decode(String.self, from: Data(literal.utf8))
                found.insert(decoded)
                rest = rest[close...]
            }
        }
        return found.sorted()
    }

    func testEveryShippedPatternCompiles() throws {
        let patterns = try shippedPatterns()
        XCTAssertGreaterThanOrEqual(patterns.count, 10, "the schema texts should hold the patterns of ids, dates, amounts, currencies…")
        for pattern in patterns {
            XCTAssertNotNil(SchemaPattern(pattern), "\(pattern) should compile to the automaton")
        }
    }

    func testAgreesWithNSRegularExpressionOnGeneratedStrings() throws {
        let extra = [
            "^(a|b)$", "^(ab|a)(bc|c)?$", "^(a|b)*c+$", "^x{2,}$", "^[a-c-]{1,3}\\.[0-9]{2}$", "^(|a)b$",
            "^[+-]?[0-9]+$", "^\\$[0-9]$", "^(a(b(c)?)?)?$",
        ]
        let patterns = try shippedPatterns() + extra
        // Characters the patterns care about, plus ones none of them accept.
        let alphabet: [Character] = Array("0123456789abcfxyzABCZLA-._:/@+$|é\n \u{2028}")
        var generator = SplitMix64(seed: 0x5eed)
        var compared = 0
        for pattern in patterns {
            guard let automaton = SchemaPattern(pattern) else { XCTFail("\(pattern) should compile"); continue }
            let reference = try NSRegularExpression(pattern: pattern)
            var samples = Self.shapedSamples
            for _ in 0 ..< 600 {
                let length = Int(generator.next() % 14)
                samples.append(String((0 ..< length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }))
            }
            for sample in samples {
                let expected = reference.firstMatch(in: sample, range: NSRange(sample.startIndex..., in: sample)) != nil
                if sample.last.map(Self.isLineTerminator) == true {
                    // The one deliberate difference: ICU's `$` also matches before a final line terminator.
                    XCTAssertFalse(automaton.matches(sample), "\(pattern) must refuse \(sample.debugDescription): `$` is the end of the string")
                } else {
                    XCTAssertEqual(automaton.matches(sample), expected, "\(pattern) on \(sample.debugDescription)")
                }
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 5_000)
    }

    /// Strings shaped like the values the patterns describe, near their edges.
    private static let shapedSamples = [
        "", "2024-01-31", "2024-1-31", "20240-01-31", "USD", "US", "USDX", "usd", "0", "00", "01", "1.5", "1.", ".5",
        "100", "100.0000", "100.00001", "101", "99.9999", "-0.5", "--1", "LA-VT", "LA-V", "12345", "1234", "12",
        String(repeating: "a", count: 32), String(repeating: "f", count: 64), String(repeating: "g", count: 32),
        "a-b", "a--b", "-a", "a-", "abc-123-x", "A" + String(repeating: "b", count: 199), "A" + String(repeating: "b", count: 200),
        "XM-DAC-41114", "project:1", "1234567890123456789012345", "123456789012345678901234.1234",
        "USD\n", "2024-01-31\n", "USD\r\n", "LA-VT\u{2028}",
    ]

    private static func isLineTerminator(_ character: Character) -> Bool {
        character.unicodeScalars.contains { [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029].contains($0.value) }
    }

    func testConstructsOutsideTheLanguageFallBack() {
        for pattern in ["^a|b$", "^a.b$", "^\\d+$", "^[^a]$", "^a+?$", "^(?:a)$", "a$", "^a", "^a\\$", "^[a-]]$", "^\\w$", "^a b$", "^(a$", "^a)$"] {
            XCTAssertNil(SchemaPattern(pattern), "\(pattern) must be left to NSRegularExpression")
        }
    }

    func testValidatorRefusesTrailingNewlineInAnIdentifier() throws {
        guard let schema = EventCatalogue.standard.entries["OrganisationRegistered"]?.schema else {
            return XCTFail("no OrganisationRegistered schema")
        }
        var payload: JSONObject = ["organisationId": "LA-MOF", "name": "Ministry of Finance", "organisationType": "10"]
        XCTAssertNoThrow(try schema.validate(.object(payload)))
        payload["organisationId"] = .string("LA-MOF\n")
        XCTAssertThrowsError(try schema.validate(.object(payload))) { error in
            XCTAssertEqual((error as? SchemaViolation)?.pointer, "/organisationId")
        }
    }
}
