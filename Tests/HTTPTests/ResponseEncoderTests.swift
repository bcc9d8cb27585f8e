import XCTest
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

/// The encoder writes its head (Date included) straight into bytes: the result must be
/// exactly what the plain formatting gives.
final class ResponseEncoderTests: XCTestCase {
    func testHeadBytesMatchThePlainFormatting() {
        for (status, body) in [(HTTPStatus.ok, Array("hello".utf8)), (.notFound, []), (.created, [UInt8](repeating: 65, count: 1_234_567))] {
            var response = HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
            response.headers.add(name: "Content-Length", value: "999")  // the server's own framing wins
            let before = time(nil)
            let bytes = ResponseEncoder.encode(response, omitBody: false, close: false)
            let after = time(nil)
            let expected = (before ... after).map { second in
                Array(("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nDate: \(ResponseEncoder.httpDate(second))\r\n"
                    + "Content-Length: \(body.count)\r\nContent-Type: application/json\r\n\r\n").utf8) + body
            }
            XCTAssertTrue(expected.contains(bytes), "status \(status.code): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
    }

    func testNoContentHasNoLengthAndHeadOmitsTheBody() {
        let empty = ResponseEncoder.encode(HTTPResponse(status: HTTPStatus(code: 204)), omitBody: false, close: true)
        let text = String(decoding: empty, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 204 "), text)
        XCTAssertFalse(text.contains("Content-Length"), text)
        XCTAssertTrue(text.contains("Connection: close\r\n"), text)
        let head = ResponseEncoder.encode(HTTPResponse(status: .ok, body: Array("abc".utf8)), omitBody: true, close: false)
        XCTAssertTrue(String(decoding: head, as: UTF8.self).hasSuffix("Content-Length: 3\r\n\r\n"))
    }

    func testDateIsAnIMFFixdate() {
        XCTAssertEqual(ResponseEncoder.httpDate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        // The byte formatter agrees with the string one across days, months, years and leap days.
        for seconds in stride(from: 0, to: 4_200_000_000, by: 86_399 * 37 + 3_601) {
            XCTAssertEqual(String(decoding: ResponseEncoder.currentDate(seconds), as: UTF8.self), ResponseEncoder.httpDate(seconds))
        }
    }
}
