import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import XCTest
@testable import HTTP

final class ServerTests: XCTestCase {
    func testURLSessionKeepAliveAndJSONEcho() async throws {
        let server = try startServer()
        defer { server.shutdown(grace: .seconds(1)) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        let url = URL(string: "http://127.0.0.1:\(server.port)/v1/echo")!

        var remotes: [String] = []
        for i in 0..<3 {
            var request = URLRequest(url: url, timeoutInterval: 5)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            let json = #"{"n":\#(i),"text":"ສະບາຍດີ"}"#
            request.httpBody = Data(json.utf8)
            let (data, response) = try await session.data(for: request)
            let http = try XCTUnwrap(response as? HTTPURLResponse)
            XCTAssertEqual(http.statusCode, 200)
            XCTAssertEqual(String(decoding: data, as: UTF8.self), json)
            XCTAssertEqual(http.value(forHTTPHeaderField: "Content-Type"), "application/json")
            XCTAssertNotNil(http.value(forHTTPHeaderField: "Date"))
            remotes.append(try XCTUnwrap(http.value(forHTTPHeaderField: "X-Remote")))
        }
        XCTAssertEqual(Set(remotes).count, 1, "all three requests should reuse one kept-alive connection: \(remotes)")
    }

    func testMalformedRequestIs400AndServerKeepsServing() throws {
        let log = LogSink()
        let server = try startServer { $0.accessLog = { log.record($0) } }
        defer { server.shutdown(grace: .seconds(1)) }
        for malformed in ["GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
                          "GET / HTTP/1.1\nHost: a\n\n", "GET / HTTP/1.1\r\n\r\n",
                          "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"] {
            let client = try RawClient(port: server.port)
            try client.send(malformed)
            let reply = client.readUntilClose()
            XCTAssertTrue(reply.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), reply)
            XCTAssertTrue(reply.contains("Connection: close\r\n"), reply)
        }
        let te = try RawClient(port: server.port)
        try te.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        XCTAssertTrue(te.readUntilClose().hasPrefix("HTTP/1.1 501 "))
        try assertServes(server)
        XCTAssertTrue(log.all.contains { $0.status == 400 && $0.method == "GET" && $0.path == "-" })
    }

    func testOversizedHeadIs431AndOversizedBodyIs413() throws {
        let server = try startServer { $0.limits = RequestLimits(maxHeadBytes: 2048, maxBodyBytes: 1000) }
        defer { server.shutdown(grace: .seconds(1)) }
        let big = try RawClient(port: server.port)
        try big.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "x", count: 4000))\r\n\r\n")
        XCTAssertTrue(big.readUntilClose().hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))

        let body = try RawClient(port: server.port)
        try body.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + String(repeating: "y", count: 2000))
        let reply = body.readUntilClose()
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"), reply)
        XCTAssertTrue(reply.contains("exceeds the limit of 1000 bytes"), reply)
        try assertServes(server)
    }

    func testSlowClientGets408WhileOthersAreServed() throws {
        let server = try startServer {
            $0.timeouts.head = .milliseconds(1500)
        }
        defer { server.shutdown(grace: .seconds(1)) }
        let slow = try RawClient(port: server.port)
        let start = Date()
        let request = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Padding: slowly\r\n\r\n".utf8)
        var sent = 0
        var servedMeanwhile = false
        while sent < request.count {
            try slow.send([request[sent]])
            sent += 1
            if !servedMeanwhile {
                try assertServes(server)
                servedMeanwhile = true
            }
            if slow.readable(within: 1000) { break }
        }
        let reply = slow.readUntilClose()
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), reply)
        XCTAssertLessThan(sent, request.count, "the deadline must cut the request off")
        XCTAssertGreaterThan(elapsed, 1.4)
        XCTAssertLessThan(elapsed, 3.0)
        XCTAssertTrue(servedMeanwhile)
        try assertServes(server)
    }

    func testSlowBodyGets408() throws {
        let server = try startServer { $0.timeouts.body = .milliseconds(800) }
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        XCTAssertTrue(client.readUntilClose().hasPrefix("HTTP/1.1 408 "))
    }

    func testAbruptDisconnectMidBodyLeavesServerServing() throws {
        let calls = Atomic<Int>(0)
        let server = try startServer(handler: { _ in
            calls.add(1, ordering: .relaxed)
            return .text(.ok, "ok")
        })
        defer { server.shutdown(grace: .seconds(1)) }
        do {
            let client = try RawClient(port: server.port)
            try client.send("POST /v1/events HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n{\"partial\":")
        }
        XCTAssertTrue(Flag.wait(seconds: 2) { server.activeConnections == 0 })
        XCTAssertEqual(calls.load(ordering: .relaxed), 0, "a half-sent body never reaches the handler")
        try assertServes(server)
    }

    func testConnectionCapAnswers503() throws {
        let server = try startServer { $0.maxConnections = 2 }
        defer { server.shutdown(grace: .seconds(1)) }
        let first = try RawClient(port: server.port)
        let second = try RawClient(port: server.port)
        XCTAssertTrue(Flag.wait(seconds: 2) { server.activeConnections == 2 })
        let third = try RawClient(port: server.port)
        let reply = third.readUntilClose()
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), reply)
        XCTAssertTrue(reply.contains("Retry-After: 1\r\n"))
        try first.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(first.readUntilClose().hasPrefix("HTTP/1.1 200 OK\r\n"))
        XCTAssertTrue(Flag.wait(seconds: 2) { server.activeConnections == 1 })
        try assertServes(server)
        _ = second
    }

    func testGracefulShutdownFinishesInFlightRequest() throws {
        let started = Flag()
        let server = try startServer(handler: { request in
            started.set()
            usleep(500_000)
            return .text(.ok, "finished \(request.path)")
        })
        let client = try RawClient(port: server.port)
        let idle = try RawClient(port: server.port)
        try client.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertTrue(Flag.wait(seconds: 2) { started.isSet })
        let done = shutDownInBackground(server)
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, "finished /slow")
        XCTAssertTrue(response.head.contains("Connection: close\r\n"), "no keep-alive while draining")
        XCTAssertEqual(idle.readUntilClose(), "", "an idle connection is closed without a response")
        XCTAssertTrue(Flag.wait(seconds: 3) { done.isSet })
        XCTAssertThrowsError(try RawClient(port: server.port), "no longer accepting")
    }

    func testShutdownGraceExpiresForStuckClient() throws {
        let server = try startServer { $0.timeouts.body = .seconds(30) }
        let client = try RawClient(port: server.port)
        try client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc")
        XCTAssertTrue(Flag.wait(seconds: 2) { server.activeConnections == 1 })
        let start = Date()
        server.shutdown(grace: .milliseconds(300))
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        XCTAssertEqual(server.activeConnections, 0)
    }

    func testPipelinedRequestsAndConnectionClose() throws {
        let server = try startServer()
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyzGET /never HTTP/1.1\r\nHost: a\r\n\r\n")
        let all = client.readUntilClose()
        XCTAssertEqual(all.components(separatedBy: "HTTP/1.1 200 OK").count - 1, 2, all)
        XCTAssertTrue(all.hasSuffix("\r\n\r\nxyz"), all)
    }

    func testHTTP10ClosesByDefaultAndHEADHasNoBody() throws {
        let server = try startServer()
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("HEAD / HTTP/1.0\r\n\r\n")
        let reply = client.readUntilClose()
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 200 OK\r\n"), reply)
        XCTAssertTrue(reply.contains("Content-Length: 5\r\n"))
        XCTAssertTrue(reply.hasSuffix("\r\n\r\n"), "HEAD carries no body")
    }

    func testHTTP10KeepAliveIsAnnounced() throws {
        let server = try startServer()
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = try client.readResponse()
        XCTAssertTrue(first.head.contains("Connection: keep-alive\r\n"), first.head)
        try client.send("GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        XCTAssertEqual(client.readUntilClose(), "")
    }

    func testIdleKeepAliveConnectionIsClosedQuietly() throws {
        let server = try startServer { $0.timeouts.idle = .milliseconds(500) }
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        let start = Date()
        XCTAssertEqual(client.readUntilClose(), "", "no 408 for a connection between requests")
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertGreaterThan(elapsed, 0.4)
        XCTAssertLessThan(elapsed, 2.0)
    }

    func testClientThatDoesNotReadIsCutOffByWriteDeadline() throws {
        let big = [UInt8](repeating: 0x61, count: 64 * 1024 * 1024)
        let server = try startServer({ $0.timeouts.write = .milliseconds(500) }, handler: { request in
            request.path == "/big" ? HTTPResponse(status: .ok, body: big) : .text(.ok, "small")
        })
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertTrue(Flag.wait(seconds: 3) { server.activeConnections == 0 }, "the stalled write must end the connection")
        try assertServes(server)
    }

    func testExpectContinue() throws {
        let server = try startServer()
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        let interim = try client.readResponse()
        XCTAssertEqual(interim.status, 100)
        try client.send("data")
        let final = try client.readResponse()
        XCTAssertEqual(final.status, 200)
        XCTAssertEqual(final.body, "data")
    }

    func testHandlerHeaderInjectionBecomes500AndFramingIsTheServers() throws {
        let server = try startServer(handler: { request in
            var response = HTTPResponse.text(.ok, "body")
            response.headers.add(name: "Content-Length", value: "999")
            if request.path == "/split" { response.headers.add(name: "X-Evil", value: "a\r\nSet-Cookie: x=1") }
            return response
        })
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
        let ok = try client.readResponse()
        XCTAssertEqual(ok.body, "body")
        XCTAssertFalse(ok.head.contains("999"))
        try client.send("GET /split HTTP/1.1\r\nHost: a\r\n\r\n")
        let split = try client.readResponse()
        XCTAssertEqual(split.status, 500)
        XCTAssertFalse(split.head.contains("Set-Cookie"))
    }

    func testAccessLogHasNoQueryNorHeaders() throws {
        let log = LogSink()
        let server = try startServer { $0.accessLog = { log.record($0) } }
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET /v1/flags?token=s3cret HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t0ken\r\nConnection: close\r\n\r\n")
        _ = client.readUntilClose()
        XCTAssertTrue(Flag.wait(seconds: 2) { !log.all.isEmpty })
        let entry = try XCTUnwrap(log.all.first)
        XCTAssertEqual(entry.method, "GET")
        XCTAssertEqual(entry.path, "/v1/flags")
        XCTAssertEqual(entry.status, 200)
        XCTAssertEqual(entry.bytesSent, 5)
        XCTAssertTrue(entry.remoteAddress.hasPrefix("127.0.0.1:"))
        XCTAssertFalse(entry.tls)
        let text = String(describing: entry)
        XCTAssertFalse(text.contains("s3cret"))
        XCTAssertFalse(text.contains("t0ken"))
    }

    func testIPv6Loopback() throws {
        let server = try startServer { $0.host = "::1" }
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(host: "::1", port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.head.contains("X-Remote: [::1]:"), response.head)
    }

    func testConfigurationValidation() throws {
        XCTAssertThrowsError(try ServerConfiguration(host: "0.0.0.0").validate()) { error in
            XCTAssertEqual((error as? HTTPServerError)?.kind, .insecureListener)
        }
        XCTAssertThrowsError(try ServerConfiguration(host: "::").validate())
        XCTAssertThrowsError(try ServerConfiguration(host: "192.168.1.10").validate())
        XCTAssertNoThrow(try ServerConfiguration(host: "0.0.0.0", allowInsecure: true).validate())
        XCTAssertNoThrow(try ServerConfiguration(host: "127.0.0.2").validate())
        XCTAssertNoThrow(try ServerConfiguration(host: "::1").validate())
        XCTAssertNoThrow(try ServerConfiguration(host: "localhost").validate())
        XCTAssertNoThrow(try ServerConfiguration(
            host: "0.0.0.0", tls: TLSConfiguration(certificateChainPath: "c.pem", privateKeyPath: "k.pem")).validate())
        XCTAssertThrowsError(try ServerConfiguration(host: "example.org", allowInsecure: true).validate())
        XCTAssertThrowsError(try ServerConfiguration(port: 70000).validate())
        XCTAssertThrowsError(try ServerConfiguration(maxConnections: 0).validate())
        XCTAssertThrowsError(try HTTPServer(configuration: ServerConfiguration(host: "10.0.0.1")) { _ in .text(.ok, "") })

        let v4 = try ServerConfiguration.parseListenAddress("127.0.0.1:8080")
        XCTAssertEqual(v4.host, "127.0.0.1")
        XCTAssertEqual(v4.port, 8080)
        let v6 = try ServerConfiguration.parseListenAddress("[::1]:0")
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.port, 0)
        for bad in ["::1:80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:-1", "[::1]80", "127.0.0.1:８０"] {
            XCTAssertThrowsError(try ServerConfiguration.parseListenAddress(bad), bad)
        }
    }

    func testHTTPDate() {
        XCTAssertEqual(ResponseEncoder.httpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    private func assertServes(_ server: HTTPServer, file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try RawClient(port: server.port)
        try client.send("GET /check HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200, file: file, line: line)
    }
}
