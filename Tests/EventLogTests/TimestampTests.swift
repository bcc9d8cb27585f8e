import EventLog
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

    func testBusinessTimeAcceptsDatesAndNormalisesDateTimes() {
        XCTAssertEqual(BusinessTime.normalize("2026-03-01"), "2026-03-01")
        XCTAssertEqual(BusinessTime.normalize("2026-03-01T08:00:00+07:00"), "2026-03-01T01:00:00.000000Z")
        XCTAssertNil(BusinessTime.normalize("2026-02-30"))
        XCTAssertNil(BusinessTime.normalize("01/03/2026"))
    }
}
