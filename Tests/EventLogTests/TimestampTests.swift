@testable import EventLog
import TestSupport
import XCTest

final class TimestampTests: XCTestCase {
    func testCanonicalSpellingRoundTrips() throws {
        for text in ["1970-01-01T00:00:00.000000Z", "2026-03-02T02:15:07.123456Z", "2024-02-29T23:59:59.999999Z",
                     "1969-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.000001Z"] {
            let t = try XCTUnwrap(Timestamp(canonical: text), text)
            XCTAssertEqual(t.rfc3339, text)
        }
        XCTAssertEqual(Timestamp(canonical: "1970-01-01T00:00:01.000000Z")?.microsecondsSinceEpoch, 1_000_000)
    }

    func testClientSpellingsAreNormalisedToUTC() {
        XCTAssertEqual(Timestamp.parse("2026-03-02T09:15:07+07:00")?.rfc3339, "2026-03-02T02:15:07.000000Z")
        XCTAssertEqual(Timestamp.parse("2026-03-02T02:15:07.5Z")?.rfc3339, "2026-03-02T02:15:07.500000Z")
        XCTAssertEqual(Timestamp.parse("2026-01-01T00:30:00-01:00")?.rfc3339, "2026-01-01T01:30:00.000000Z")
    }

    func testImpossibleOrSloppyTimesAreRefused() {
        for text in ["2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-02 02:15:07Z", "2026-03-02T02:15:07",
                     "2026-03-02T24:00:00Z", "2026-03-02T02:15:60Z", "2026-03-02T02:15:07.1234567Z", "2026-03-02T02:15:07.Z"] {
            XCTAssertNil(Timestamp.parse(text), text)
        }
        XCTAssertNil(Timestamp(canonical: "2026-03-02T02:15:07.5Z"), "only the six-digit UTC spelling is canonical")
    }

    /// Verification reads `recordedAt` with a one-pass reader; it must judge every spelling as
    /// `isCanonical` does and read the instant `Timestamp(canonical:)` reads.
    func testOnePassReaderAgreesWithTheCheckAndTheParserOnEveryByteOfEveryPosition() throws {
        let spellings = ["1970-01-01T00:00:00.000000Z", "2026-03-02T02:15:07.123456Z", "2024-02-29T23:59:59.999999Z",
                         "2023-02-28T19:09:39.909090Z", "0001-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z",
                         "2100-02-28T10:30:00.500000Z", "2000-02-29T12:00:00.000001Z"]
        var accepted = 0, refused = 0
        for spelling in spellings {
            let original = Array(spelling.utf8)
            for position in 0..<27 {
                for value in 0...255 {
                    var bytes = original
                    bytes[position] = UInt8(value)
                    let fast = bytes.withUnsafeBufferPointer { Timestamp.canonicalMicroseconds($0) }
                    XCTAssertEqual(fast != nil, Timestamp.isCanonical(bytes), String(decoding: bytes, as: UTF8.self))
                    if let fast {
                        XCTAssertEqual(fast, Timestamp(canonical: String(decoding: bytes, as: UTF8.self))?.microsecondsSinceEpoch)
                        accepted += 1
                    } else {
                        refused += 1
                    }
                }
            }
            for length in [0, 26, 28] {
                let bytes = Array((spelling + "0").utf8.prefix(length))
                XCTAssertNil(bytes.withUnsafeBufferPointer { Timestamp.canonicalMicroseconds($0) })
            }
        }
        XCTAssertGreaterThan(accepted, 1_000)
        XCTAssertGreaterThan(refused, 40_000)
        var g = SplitMix64(seed: 11)
        for _ in 0..<20_000 {
            let t = Timestamp(microsecondsSinceEpoch: Int64(g.next() % 253_402_300_800_000_000))
            let read = Array(t.rfc3339.utf8).withUnsafeBufferPointer { Timestamp.canonicalMicroseconds($0) }
            XCTAssertEqual(read, t.microsecondsSinceEpoch, t.rfc3339)
        }
    }

    func testBusinessTimeAcceptsDatesAndNormalisesDateTimes() {
        XCTAssertEqual(BusinessTime.normalize("2026-03-01"), "2026-03-01")
        XCTAssertEqual(BusinessTime.normalize("2026-03-01T08:00:00+07:00"), "2026-03-01T01:00:00.000000Z")
        XCTAssertNil(BusinessTime.normalize("2026-02-30"))
        XCTAssertNil(BusinessTime.normalize("01/03/2026"))
    }
}
