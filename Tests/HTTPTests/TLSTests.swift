import Foundation
import XCTest
@testable import HTTP
import TestSupport

/// TLS with a certificate made by the openssl CLI in a temporary directory, checked with curl
/// and `openssl s_client` (URLSession on Linux cannot be told to trust a private CA).
final class TLSTests: TemporaryDirectoryTestCase {
    private var certificate: String { directory.appendingPathComponent("cert.pem").path }
    private var key: String { directory.appendingPathComponent("key.pem").path }

    override func setUpWithError() throws {
        try super.setUpWithError()
        let made = try run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        XCTAssertEqual(made.status, 0, made.output)
    }

    private func startTLSServer(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        try startServer {
            $0.tls = TLSConfiguration(certificateChainPath: certificate, privateKeyPath: key)
            configure(&$0)
        }
    }

    func testCurlOverTLS12And13WithKeepAlive() throws {
        let log = LogSink()
        let server = try startTLSServer { $0.accessLog = { log.record($0) } }
        defer { server.shutdown(grace: .seconds(1)) }
        let url = "https://127.0.0.1:\(server.port)/v1/health"
        for versions in [["--tlsv1.2", "--tls-max", "1.2"], ["--tlsv1.3"]] {
            let result = try run("/usr/bin/curl", ["-sS", "--max-time", "5", "--cacert", certificate] + versions
                + ["-w", " %{http_code} %{num_connects}", url, url])
            XCTAssertEqual(result.status, 0, result.output)
            XCTAssertEqual(result.output, "hello 200 1hello 200 0", "second request reuses the TLS connection")
        }
        let result = try run("/usr/bin/curl", ["-sS", "--max-time", "5", "--cacert", certificate,
                                               "-H", "Content-Type: application/json", "--data-binary", #"{"a":[1,2]}"#, url])
        XCTAssertEqual(result.output, #"{"a":[1,2]}"#)
        XCTAssertTrue(Flag.wait(seconds: 2) { log.all.count == 5 })
        XCTAssertTrue(log.all.allSatisfy { $0.tls && $0.status == 200 && $0.path == "/v1/health" })
    }

    /// Answers given later from another thread: over TLS the connection's own thread writes them
    /// (a TLS session is never used from two threads), on a kept-alive connection.
    func testDeferredAnswersOverTLS() throws {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.tls = TLSConfiguration(certificateChainPath: certificate, privateKeyPath: key)
        let server = try HTTPServer(configuration: configuration, deferringHandler: { request, deferral in
            let pending = deferral.answerLater()
            let path = request.path
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { pending.send(.text(.ok, "later \(path)")) }
            return nil
        })
        server.start()
        defer { server.shutdown(grace: .seconds(1)) }
        let url = "https://127.0.0.1:\(server.port)/x"
        let result = try run("/usr/bin/curl", ["-sS", "--max-time", "5", "--cacert", certificate, "-w", " %{http_code} %{num_connects}", url, url])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output, "later /x 200 1later /x 200 0")
    }

    func testTLS11IsRefused() throws {
        let diagnostics = LineSink()
        let server = try startTLSServer { $0.diagnostics = { diagnostics.record($0) } }
        defer { server.shutdown(grace: .seconds(1)) }
        let address = "127.0.0.1:\(server.port)"
        // SECLEVEL=0 lets the client offer TLS 1.1 at all, so the refusal is the server's.
        let old = try run("/usr/bin/openssl", ["s_client", "-connect", address, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        XCTAssertNotEqual(old.status, 0, old.output)
        XCTAssertTrue(old.output.contains("alert protocol version") || old.output.contains("unsupported protocol")
                      || old.output.contains("wrong version"), old.output)
        XCTAssertTrue(Flag.wait(seconds: 2) { diagnostics.all.contains { $0.contains("unsupported protocol") } }, "\(diagnostics.all)")
        let current = try run("/usr/bin/openssl", ["s_client", "-connect", address, "-tls1_2", "-CAfile", certificate])
        XCTAssertEqual(current.status, 0, current.output)
        XCTAssertTrue(current.output.contains("Protocol  : TLSv1.2") || current.output.contains("TLSv1.2"), current.output)
        XCTAssertTrue(current.output.contains("Verify return code: 0 (ok)"), current.output)
    }

    func testSilentClientIsCutOffByHandshakeDeadline() throws {
        let diagnostics = LineSink()
        let server = try startTLSServer {
            $0.timeouts.tlsHandshake = .milliseconds(700)
            $0.diagnostics = { diagnostics.record($0) }
        }
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        let start = Date()
        XCTAssertEqual(client.readUntilClose(), "")
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertGreaterThan(elapsed, 0.6)
        XCTAssertLessThan(elapsed, 2.5)
        XCTAssertTrue(Flag.wait(seconds: 1) { server.activeConnections == 0 })
        XCTAssertEqual(diagnostics.all.count, 1)
        XCTAssertTrue(diagnostics.all.first?.contains("did not finish within") ?? false, "\(diagnostics.all)")
    }

    func testPlainHTTPOnTLSPortIsDroppedAndServerKeepsServing() throws {
        let server = try startTLSServer()
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertFalse(client.readUntilClose().contains("HTTP/1.1 200"))
        let result = try run("/usr/bin/curl", ["-sS", "--max-time", "5", "--cacert", certificate, "https://127.0.0.1:\(server.port)/"])
        XCTAssertEqual(result.output, "hello")
    }

    func testUnreadableOrMismatchedKeyIsATypedError() throws {
        var configuration = ServerConfiguration()
        configuration.tls = TLSConfiguration(certificateChainPath: directory.appendingPathComponent("none.pem").path, privateKeyPath: key)
        XCTAssertThrowsError(try HTTPServer(configuration: configuration) { _ in .text(.ok, "") }) { error in
            XCTAssertEqual((error as? HTTPServerError)?.kind, .tls)
            XCTAssertTrue((error as? HTTPServerError)?.message.contains("certificate chain") ?? false)
        }
        let otherKey = directory.appendingPathComponent("other.pem").path
        XCTAssertEqual(try run("/usr/bin/openssl", ["genpkey", "-algorithm", "ed25519", "-out", otherKey]).status, 0)
        configuration.tls = TLSConfiguration(certificateChainPath: certificate, privateKeyPath: otherKey)
        XCTAssertThrowsError(try HTTPServer(configuration: configuration) { _ in .text(.ok, "") }) { error in
            XCTAssertEqual((error as? HTTPServerError)?.kind, .tls)
        }
    }

    /// Runs a command under `timeout 10` with stdin from /dev/null; stdout and stderr together.
    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["10", executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
