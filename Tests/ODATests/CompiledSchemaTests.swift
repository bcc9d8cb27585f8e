import CanonicalJSON
import EventLog
import Foundation
import XCTest
@testable import ODA

/// The compiled schema tree (what validation runs) against the keyword-by-keyword reading of the
/// schema JSON (the reference): the same verdict, pointer and rule for every example event and
/// for thousands of altered payloads.
final class CompiledSchemaTests: XCTestCase {
    private func verdict(_ body: () throws(SchemaViolation) -> Void) -> String {
        do throws(SchemaViolation) {
            try body()
            return "valid"
        } catch {
            return "\(error.pointer) \(error.rule)"
        }
    }

    /// Values a member might wrongly hold, of every JSON kind and near the formats' edges.
    private let replacements: [JSONValue] = [
        .null, .bool(true), .integer(-1), .integer(0), .integer(7), .integer(1_000_000), .number(1.5), .string(""),
        .string("x"), .string("USD"), .string("usd"), .string("2024-02-30"), .string("2024-02-29"), .string("2023-02-29"),
        .string("1000.00"), .string("-5.00"), .string("100"), .string("100.5"), .string("0.00001"), .string("LA-VT"), .string("LA-XX"),
        .string("51"), .string("11120"), .string(String(repeating: "a", count: 201)), .string("a b"), .string("USD\n"),
        .array([]), .array([.string("x")]), .object(JSONObject()), ["amount": "10.00", "currency": "USD"],
        ["amount": "10.00", "currency": "XXX"], ["sector": "11120", "percentage": "100"],
    ]

    func testTheCompiledTreeAgreesWithTheReadingOfTheSchema() throws {
        let catalogue = EventCatalogue.standard
        var generator = SystemRandomNumberGenerator()
        var compared = 0
        var refused = 0
        for type in catalogue.types {
            let schema = try XCTUnwrap(catalogue.entries[type]?.schema)
            let example = try Repository.example(type)
            var payloads: [JSONValue] = [.object(example.payload), .null, .array([]), .string("x")]
            let names = example.payload.keys
            for name in names {
                var without = example.payload
                without[name] = nil
                payloads.append(.object(without))
                for replacement in replacements {
                    var altered = example.payload
                    altered[name] = replacement
                    payloads.append(.object(altered))
                }
                // One level down: members of objects and elements of arrays.
                if case let .object(inner)? = example.payload[name] {
                    for innerName in inner.keys {
                        for replacement in replacements.shuffled(using: &generator).prefix(8) {
                            var altered = inner
                            altered[innerName] = replacement
                            var payload = example.payload
                            payload[name] = .object(altered)
                            payloads.append(.object(payload))
                        }
                    }
                }
                if case let .array(elements)? = example.payload[name], case let .object(first)? = elements.first {
                    for innerName in first.keys {
                        for replacement in replacements.shuffled(using: &generator).prefix(8) {
                            var altered = first
                            altered[innerName] = replacement
                            var payload = example.payload
                            payload[name] = .array([.object(altered)] + elements.dropFirst())
                            payloads.append(.object(payload))
                        }
                    }
                }
            }
            var extra = example.payload
            extra["unexpected"] = .string("x")
            payloads.append(.object(extra))
            for payload in payloads {
                let fast = verdict { () throws(SchemaViolation) in try schema.validate(payload) }
                let reference = verdict { () throws(SchemaViolation) in try schema.validateByReading(payload) }
                XCTAssertEqual(fast, reference, "\(type): \(payload)")
                compared += 1
                if fast != "valid" { refused += 1 }
            }
        }
        XCTAssertGreaterThan(compared, 3_000)
        XCTAssertGreaterThan(refused, compared / 2, "most alterations should break a rule, so the messages are compared too")
    }
}
