import XCTest
@testable import HTTP

final class RequestParserTests: XCTestCase {
    private func parse(_ text: String, limits: RequestLimits = RequestLimits()) throws(HTTPRequestError) -> HTTPRequest? {
        try RequestParser.parse(Array(text.utf8), limits: limits)?.request
    }

    private func assertRefused(
        _ text: String, _ kind: HTTPRequestError.Kind, _ status: Int,
        limits: RequestLimits = RequestLimits(), file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let request = try parse(text, limits: limits)
            XCTFail("accepted: \(String(describing: request))", file: file, line: line)
        } catch {
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            XCTAssertEqual(error.status.code, status, file: file, line: line)
            XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        }
    }

    func testSimpleGet() throws {
        let request = try XCTUnwrap(parse("GET /v1/projects?as-of=3&token=x HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\n\r\n"))
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.target, "/v1/projects?as-of=3&token=x")
        XCTAssertEqual(request.path, "/v1/projects")
        XCTAssertEqual(request.query, "as-of=3&token=x")
        XCTAssertEqual(request.version, .http1_1)
        XCTAssertEqual(request.headers["host"], "localhost:8080")
        XCTAssertEqual(request.headers["ACCEPT"], "*/*")
        XCTAssertTrue(request.body.isEmpty)
        XCTAssertTrue(request.keepAlive)
    }

    func testPostWithBodyAndTrimmedValues() throws {
        let text = "POST /v1/events HTTP/1.1\r\nHost: a\r\nContent-Type:  application/json \t\r\nContent-Length: 7\r\n\r\n{\"a\":1}GET"
        let parsed = try XCTUnwrap(RequestParser.parse(Array(text.utf8)))
        XCTAssertEqual(parsed.request.headers["Content-Type"], "application/json")
        XCTAssertEqual(String(decoding: parsed.request.body, as: UTF8.self), "{\"a\":1}")
        XCTAssertEqual(parsed.consumed, text.utf8.count - 3, "bytes after the body belong to the next request")
    }

    func testIncompleteInputNeedsMoreBytes() throws {
        XCTAssertNil(try parse("GET / HTTP/1.1\r\nHost: a\r\n"))
        XCTAssertNil(try parse("GET / HTTP/1.1\r\nHost: a\r\n\r"))
        XCTAssertNil(try parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabc"))
    }

    func testIncrementalHeadScanFindsEndAcrossPieces() throws {
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        var scanned = 0
        var found: Int?
        for n in 1...bytes.count {
            found = try RequestParser.headEnd(in: Array(bytes[0..<n]), scanned: scanned, limits: RequestLimits())
            scanned = n
            if found != nil { XCTAssertEqual(n, bytes.count) }
        }
        XCTAssertEqual(found, bytes.count)
    }

    func testHTTP10NeedsNoHostAndClosesByDefault() throws {
        let request = try XCTUnwrap(parse("GET / HTTP/1.0\r\n\r\n"))
        XCTAssertEqual(request.version, .http1_0)
        XCTAssertFalse(request.keepAlive)
        let kept = try XCTUnwrap(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))
        XCTAssertTrue(kept.keepAlive)
    }

    func testConnectionCloseOption() throws {
        XCTAssertFalse(try XCTUnwrap(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n")).keepAlive)
    }

    func testRequestLineErrors() {
        assertRefused("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine, 400)
        assertRefused(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine, 400)
        assertRefused("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine, 400)
        assertRefused("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod, 400)
        assertRefused("GET /\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, 400)
        assertRefused("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, 400)
        assertRefused("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, 400)
        assertRefused("GET / http/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine, 400)
        assertRefused("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .malformedRequestLine, 400)
        assertRefused("GET /\r\nHost: a\r\n\r\n", .malformedRequestLine, 400)
        assertRefused("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion, 505)
        assertRefused("GET / HTTP/0.9\r\nHost: a\r\n\r\n", .unsupportedVersion, 505)
        let long = "/" + String(repeating: "a", count: 100)
        assertRefused("GET \(long) HTTP/1.1\r\nHost: a\r\n\r\n", .targetTooLong, 414, limits: RequestLimits(maxTargetBytes: 64))
    }

    func testLineEndingErrors() {
        assertRefused("GET / HTTP/1.1\nHost: a\n\n", .bareLineFeed, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\n\r\n", .bareLineFeed, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", .bareLineFeed, 400)
    }

    func testHeaderLineErrors() {
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n", .obsoleteLineFolding, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\n\tX-A: 1\r\n\r\n", .obsoleteLineFolding, 400)
        assertRefused("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .whitespaceBeforeColon, 400)
        assertRefused("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", .whitespaceBeforeColon, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", .malformedHeaderLine, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", .malformedHeaderLine, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX(Y): 1\r\n\r\n", .malformedHeaderLine, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", .invalidFieldValue, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7F}b\r\n\r\n", .invalidFieldValue, 400)
    }

    func testHostRules() {
        assertRefused("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", .missingHost, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", .multipleHosts, 400)
        assertRefused("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", .multipleHosts, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost, 400)
        assertRefused("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", .invalidHost, 400)
        XCTAssertNotNil(try parse("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"))
        XCTAssertNotNil(try parse("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
    }

    func testContentLengthRules() throws {
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", .invalidContentLength, 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", .invalidContentLength, 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .invalidContentLength, 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", .invalidContentLength, 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", .invalidContentLength, 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", .invalidContentLength, 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", .invalidContentLength, 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .conflictingContentLength, 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", .conflictingContentLength, 400)
        let same = try XCTUnwrap(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 3, 3\r\n\r\nabc"))
        XCTAssertEqual(same.body, Array("abc".utf8))
    }

    func testTransferEncodingRefused() {
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingNotImplemented, 501)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", .transferEncodingWithContentLength, 400)
    }

    func testLimits() {
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "x", count: 2000))\r\n\r\n"
        assertRefused(big, .headerSectionTooLarge, 431, limits: RequestLimits(maxHeadBytes: 1024))
        // Without the blank line yet, the head is refused as soon as it outgrows the limit.
        assertRefused("GET / HTTP/1.1\r\nX: \(String(repeating: "x", count: 2000))", .headerSectionTooLarge, 431, limits: RequestLimits(maxHeadBytes: 1024))
        let many = "GET / HTTP/1.1\r\nHost: a\r\n" + (0..<20).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        assertRefused(many, .tooManyHeaderFields, 431, limits: RequestLimits(maxHeaderCount: 10))
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n", .contentTooLarge, 413, limits: RequestLimits(maxBodyBytes: 1000))
    }

    func testExpect() throws {
        let bytes = Array("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n".utf8)
        let head = try RequestParser.parseHead(bytes, end: bytes.count, limits: RequestLimits())
        XCTAssertTrue(head.expectsContinue)
        XCTAssertEqual(head.contentLength, 3)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 3\r\n\r\nabc", .unsupportedExpectation, 417)
    }

    func testHeadersValueSemantics() {
        var headers: HTTPHeaders = ["A": "1"]
        headers.add(name: "a", value: "2")
        XCTAssertEqual(headers.values(for: "A"), ["1", "2"])
        headers.set(name: "A", value: "3")
        XCTAssertEqual(headers.values(for: "a"), ["3"])
        headers.remove("A")
        XCTAssertNil(headers["a"])
    }
}
