import TestSupport
import XCTest
@testable import CanonicalJSON

/// The byte-level UTF-16 comparison and the 8-byte sort prefix used by the parser must agree
/// with the plain definition (compare `utf16` views) on every kind of key.
final class KeyOrderTests: XCTestCase {
    private static let scalars: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "a", "b", "~", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{EFFF}",
        "\u{F000}", "\u{FFFD}", "\u{10000}", "\u{1F602}", "\u{3FFFD}", "\u{40000}", "\u{10FFFD}",
    ]

    private func randomKey(_ generator: inout SplitMix64) -> String {
        var key = ""
        for _ in 0 ..< Int.random(in: 0 ... 10, using: &generator) {
            key.unicodeScalars.append(Self.scalars.randomElement(using: &generator)!)
        }
        return key
    }

    func testByteComparisonMatchesUTF16Order() {
        var generator = SplitMix64(seed: 11)
        for _ in 0 ..< 20_000 {
            let left = randomKey(&generator)
            let right = Bool.random(using: &generator) ? randomKey(&generator) : left + randomKey(&generator)
            let expected = utf16Precedes(left, right) ? -1 : (utf16Precedes(right, left) ? 1 : 0)
            XCTAssertEqual(UTF16Order.compare(left, right).signum(), expected, "\(left.debugDescription) vs \(right.debugDescription)")
        }
    }

    func testSortPrefixNeverContradictsUTF16Order() {
        var generator = SplitMix64(seed: 12)
        for _ in 0 ..< 20_000 {
            let left = randomKey(&generator)
            let right = randomKey(&generator)
            let leftPrefix = Array(left.utf8).withUnsafeBufferPointer { UTF16Order.sortPrefix($0) }
            let rightPrefix = Array(right.utf8).withUnsafeBufferPointer { UTF16Order.sortPrefix($0) }
            if leftPrefix != rightPrefix {
                XCTAssertEqual(leftPrefix < rightPrefix, utf16Precedes(left, right), "\(left.debugDescription) vs \(right.debugDescription)")
            }
            // Reading a short key with one masked load (as the parser does) changes nothing.
            let padded = Array(left.utf8) + Array(repeating: 0xFF, count: 8)
            let masked = padded.withUnsafeBufferPointer {
                UTF16Order.sortPrefix(UnsafeBufferPointer(rebasing: $0[0 ..< left.utf8.count]), readableBytes: $0.count)
            }
            XCTAssertEqual(masked, leftPrefix)
        }
    }

    /// The parser's object sort (sort prefix, raw bytes or decoded keys) agrees with the reference.
    func testParsedObjectsAreOrderedLikeTheReference() throws {
        var generator = SplitMix64(seed: 13)
        for round in 0 ..< 300 {
            var keys = Set<[UInt8]>()
            var members: [String] = []
            var expected: [String] = []
            for _ in 0 ..< Int.random(in: 0 ... (round % 10 == 0 ? 60 : 12), using: &generator) {
                var key = randomKey(&generator)
                key.unicodeScalars.removeAll { $0.value < 0x20 }
                guard keys.insert(Array(key.utf8)).inserted else { continue }
                expected.append(key)
                let written = Bool.random(using: &generator)
                    ? key.utf16.map { "\\u" + String(repeating: "0", count: 4 - String($0, radix: 16).count) + String($0, radix: 16) }.joined()
                    : key
                members.append("\"\(written)\":\(members.count)")
            }
            let value = try JSONValue.parse("{" + members.joined(separator: ",") + "}")
            XCTAssertEqual(value.objectValue?.keys, expected.sorted(by: utf16Precedes))
        }
    }

    func testByteScanFindsTheFirstSpecialByte() {
        for length in 0 ..< 24 {
            for position in 0 ..< length {
                for special: UInt8 in [0x00, 0x1F, 0x22, 0x5C, 0x80, 0xFF] {
                    for from in 0 ... position {
                        var bytes = [UInt8](repeating: 0x20, count: length)
                        bytes[position] = special
                        if position + 1 < length { bytes[position + 1] = 0x20 }
                        let found = bytes.withUnsafeBufferPointer {
                            ByteScan.firstSpecial(in: $0, from: from, to: length, stopAtNonASCII: true)
                        }
                        XCTAssertEqual(found, position)
                        let ascii = bytes.withUnsafeBufferPointer {
                            ByteScan.firstSpecial(in: $0, from: from, to: length, stopAtNonASCII: false)
                        }
                        XCTAssertEqual(ascii, special >= 0x80 ? length : position)
                    }
                    // Starting past a special byte ignores it, even inside the final window.
                    var bytes = [UInt8](repeating: 0x20, count: length)
                    bytes[position] = special
                    let found = bytes.withUnsafeBufferPointer {
                        ByteScan.firstSpecial(in: $0, from: position + 1, to: length, stopAtNonASCII: true)
                    }
                    XCTAssertEqual(found, length)
                }
            }
        }
    }
}
