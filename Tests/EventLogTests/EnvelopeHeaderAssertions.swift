@testable import EventLog
import XCTest

/// Asserts that the scanner's `header` of `bytes` names exactly the fields the full decoder read
/// into `envelope`.
func assertHeader(_ header: EnvelopeScanner.Header, of bytes: [UInt8], matches envelope: EventEnvelope,
                  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
    XCTAssertEqual(header.seq, envelope.seq, message(), file: file, line: line)
    XCTAssertEqual(header.streamVersion, envelope.streamVersion, message(), file: file, line: line)
    XCTAssertEqual(text(header.stream), envelope.stream, message(), file: file, line: line)
    XCTAssertEqual(text(header.type), envelope.type, message(), file: file, line: line)
    XCTAssertEqual(text(header.recordedAt), envelope.recordedAt.rfc3339, message(), file: file, line: line)
    XCTAssertEqual(text(header.prev), envelope.prev.hex, message(), file: file, line: line)
    XCTAssertEqual(header.idempotencyKey.map(text), envelope.idempotencyKey, message(), file: file, line: line)
}
