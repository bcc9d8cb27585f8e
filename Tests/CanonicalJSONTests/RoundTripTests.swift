import TestSupport
import XCTest
import CanonicalJSON

/// Randomized checks: any JSON text, however it is written (member order, whitespace, escapes),
/// parses to the value it denotes, and that value's canonical bytes are stable.
final class RoundTripTests: XCTestCase {
    private static let scalars: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}",
        "\u{7F}", "\u{80}", "\u{E9}", "\u{2028}", "\u{20AC}", "\u{D7FF}", "\u{E000}", "\u{FB33}", "\u{FFFD}",
        "\u{10000}", "\u{1F602}", "\u{10FFFD}",
    ]

    private func randomString(_ generator: inout SplitMix64) -> String {
        var string = ""
        let length = Int.random(in: 0 ... 24, using: &generator)
        for _ in 0 ..< length {
            string.unicodeScalars.append(Self.scalars.randomElement(using: &generator)!)
        }
        return string
    }

    private func randomValue(_ generator: inout SplitMix64, depth: Int) -> JSONValue {
        switch Int.random(in: 0 ..< (depth > 3 ? 6 : 8), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .integer(Int64.random(in: JSONValue.safeIntegerRange, using: &generator))
        case 3: return .integer(Int64.random(in: -1000 ... 1000, using: &generator))
        case 4:
            var number: Double
            repeat {
                number = Double(bitPattern: generator.next())
            } while !number.isFinite || number == number.rounded()
            return .number(number)
        case 5: return .string(randomString(&generator))
        case 6:
            return .array((0 ..< Int.random(in: 0 ... 5, using: &generator)).map { _ in randomValue(&generator, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0 ..< Int.random(in: 0 ... 6, using: &generator) {
                object[randomString(&generator)] = randomValue(&generator, depth: depth + 1)
            }
            return .object(object)
        }
    }

    /// Writes `value` as valid but non-canonical JSON: shuffled members, random whitespace,
    /// random `\u` escapes (surrogate pairs for supplementary characters), `\/`, exponents.
    private func noisyText(_ value: JSONValue, _ generator: inout SplitMix64) -> String {
        func space() -> String {
            String((0 ..< Int.random(in: 0 ... 2, using: &generator)).map { _ in [" ", "\t", "\n", "\r"].randomElement(using: &generator)! })
        }
        func quote(_ string: String) -> String {
            var out = "\""
            for scalar in string.unicodeScalars {
                let escape = Bool.random(using: &generator)
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "/": out += escape ? "\\/" : "/"
                case _ where scalar.value < 0x20 || escape:
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16, uppercase: Bool.random(using: &generator))
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let integer): return Bool.random(using: &generator) && integer != 0 ? "\(integer)" : "\(integer)"
        case .number(let number): return "\(number)".replacingOccurrences(of: "e", with: Bool.random(using: &generator) ? "E" : "e")
        case .string(let string): return quote(string)
        case .array(let elements):
            return "[" + space() + elements.map { noisyText($0, &generator) + space() }.joined(separator: "," + space()) + "]"
        case .object(let object):
            let members = Array(object).shuffled(using: &generator)
            return "{" + space() + members.map { quote($0.key) + space() + ":" + space() + noisyText($0.value, &generator) + space() }
                .joined(separator: "," + space()) + "}"
        }
    }

    func testCanonicalBytesRoundTrip() throws {
        var generator = SplitMix64(seed: 0xC0FFEE)
        for _ in 0 ..< 1_500 {
            let value = randomValue(&generator, depth: 0)
            let canonical = value.canonicalBytes
            let reparsed = try JSONValue.parse(canonical)
            XCTAssertEqual(reparsed, value, String(decoding: canonical, as: UTF8.self))
            XCTAssertEqual(reparsed.canonicalBytes, canonical)
        }
    }

    func testNoisyTextParsesToTheSameValue() throws {
        var generator = SplitMix64(seed: 0xBADC0DE)
        for _ in 0 ..< 1_500 {
            let value = randomValue(&generator, depth: 0)
            let text = noisyText(value, &generator)
            do {
                let reparsed = try JSONValue.parse(text)
                XCTAssertEqual(reparsed, value, text)
                XCTAssertEqual(reparsed.canonicalBytes, value.canonicalBytes, text)
            } catch {
                XCTFail("\(error) in \(text.debugDescription)")
            }
        }
    }

    /// Every single-byte corruption of a valid document is either refused with a position inside
    /// the input or parses to something whose canonical form is itself stable.
    func testCorruptedInputNeverCrashes() {
        var generator = SplitMix64(seed: 0xDEAD)
        let interesting: [UInt8] = [0x00, 0x0A, 0x22, 0x2C, 0x2F, 0x30, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x80, 0xBF, 0xC0, 0xE0, 0xED, 0xF0, 0xF4, 0xFF]
        for _ in 0 ..< 300 {
            let bytes = Array(noisyText(randomValue(&generator, depth: 0), &generator).utf8)
            for _ in 0 ..< 10 {
                var corrupted = bytes
                let position = Int.random(in: 0 ..< corrupted.count, using: &generator)
                switch Int.random(in: 0 ..< 3, using: &generator) {
                case 0: corrupted[position] = interesting.randomElement(using: &generator)!
                case 1: corrupted.remove(at: position)
                default: corrupted.insert(interesting.randomElement(using: &generator)!, at: position)
                }
                do {
                    let value = try JSONValue.parse(corrupted)
                    XCTAssertEqual(try JSONValue.parse(value.canonicalBytes).canonicalBytes, value.canonicalBytes)
                } catch {
                    XCTAssertTrue((0 ... corrupted.count).contains(error.offset), "\(error)")
                    XCTAssertGreaterThan(error.line, 0)
                    XCTAssertGreaterThan(error.column, 0)
                    XCTAssertFalse(error.reason.isEmpty)
                }
            }
        }
    }
}
