import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `oda-ledger serve` as a real process: it serves on an ephemeral loopback port, logs one access
/// line per request without the token, and stops cleanly (exit 0) on SIGTERM.
final class ServeCommandTests: XCTestCase {
    /// Collects a pipe's output as it arrives, so the test can wait for a line.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        init(_ pipe: Pipe) {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let chunk = handle.availableData
                guard let self else { return }
                self.lock.lock()
                self.data.append(chunk)
                self.lock.unlock()
            }
        }
        var text: String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: data, as: UTF8.self)
        }
        func wait(for needle: String, seconds: Double = 10) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if text.contains(needle) { return true }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return false
        }
    }

    func testServesLogsAndStopsOnSIGTERM() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let added = cli.run(["user", "add", "--name", "noy", "--role", "inspector", "--data", cli.data])
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let (process, _, err) = try CLIHarness.launch(["serve", "--data", cli.data, "--listen", "127.0.0.1:0"])
        let log = Collector(err)
        defer { if process.isRunning { process.terminate() } }
        XCTAssertTrue(log.wait(for: "/v1 from"), log.text)
        let match = try XCTUnwrap(log.text.firstMatch(of: /http:\/\/127\.0\.0\.1:(\d+)\/v1/), log.text)
        let port = String(match.1)

        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/events?limit=5")!)
        request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 10
        let done = DispatchSemaphore(value: 0)
        let status = StatusBox()
        URLSession.shared.dataTask(with: request) { _, response, _ in
            status.set((response as? HTTPURLResponse)?.statusCode ?? -1)
            done.signal()
        }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + 15), .success)
        XCTAssertEqual(status.get(), 200)

        XCTAssertTrue(log.wait(for: "access method=GET path=/v1/events status=200"), log.text)
        XCTAssertFalse(log.text.contains(token))
        XCTAssertFalse(log.text.contains("limit=5"), "the query string stays out of the log")
        // The whole line, as the serve command documents it (it is assembled byte by byte).
        let line = try NSRegularExpression(pattern:
            #"^access method=GET path=/v1/events status=200 bytes=[1-9][0-9]* ms=[0-9]+\.[0-9] client=127\.0\.0\.1:[0-9]+ tls=false$"#,
            options: .anchorsMatchLines)
        XCTAssertNotNil(line.firstMatch(in: log.text, range: NSRange(log.text.startIndex..., in: log.text)), log.text)

        kill(process.processIdentifier, SIGTERM)
        let exited = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { process.waitUntilExit(); exited.signal() }
        XCTAssertEqual(exited.wait(timeout: .now() + 15), .success, "serve did not stop on SIGTERM")
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(log.wait(for: "serve: stopped"), log.text)
        err.fileHandleForReading.readabilityHandler = nil
    }

    func testServesHTTPSCheckedWithCurl() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let token = cli.run(["user", "add", "--name", "audit", "--role", "auditor", "--data", cli.data])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let key = cli.directory.appendingPathComponent("key.pem").path
        let certificate = cli.directory.appendingPathComponent("cert.pem").path
        let made = try CLIHarness.runProcess([
            "/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ], direct: true)
        XCTAssertEqual(made.status, 0, made.stderr)

        let (process, _, err) = try CLIHarness.launch(["serve", "--data", cli.data, "--listen", "127.0.0.1:0",
                                                       "--tls-cert", certificate, "--tls-key", key])
        let log = Collector(err)
        defer { if process.isRunning { process.terminate() } }
        XCTAssertTrue(log.wait(for: "/v1 from"), log.text)
        let match = try XCTUnwrap(log.text.firstMatch(of: /https:\/\/127\.0\.0\.1:(\d+)\/v1/), log.text)
        let url = "https://127.0.0.1:\(match.1)/v1/proofs/consistency?from=0&to=0"
        let curl = try CLIHarness.runProcess(["/usr/bin/curl", "-sS", "--max-time", "5", "--cacert", certificate,
                                              "-H", "Authorization: Bearer \(token)", "-w", " %{http_code}", url], direct: true)
        XCTAssertEqual(curl.status, 0, curl.stderr)
        XCTAssertTrue(curl.stdout.hasSuffix(" 200"), curl.stdout)
        XCTAssertTrue(curl.stdout.contains("\"proof\":[]"), curl.stdout)
        XCTAssertTrue(log.wait(for: "status=200"), log.text)
        XCTAssertTrue(log.text.contains("tls=true"), log.text)

        kill(process.processIdentifier, SIGTERM)
        let exited = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { process.waitUntilExit(); exited.signal() }
        XCTAssertEqual(exited.wait(timeout: .now() + 15), .success, "serve did not stop on SIGTERM")
        XCTAssertEqual(process.terminationStatus, 0)
        err.fileHandleForReading.readabilityHandler = nil
    }

    func testTLSOptionsGoTogether() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let result = cli.run(["serve", "--data", cli.data, "--listen", "127.0.0.1:0", "--tls-cert", "x.pem"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--tls-cert and --tls-key go together"), result.stderr)
        let open = cli.run(["serve", "--data", cli.data, "--listen", "0.0.0.0:0"])
        XCTAssertEqual(open.status, 2, "plain HTTP off loopback is refused")
        XCTAssertTrue(open.stderr.contains("loopback") || open.stderr.contains("TLS"), open.stderr)
        XCTAssertTrue(cli.run(["serve", "--help"]).stdout.contains("--allow-insecure-http"))
    }
}

final class StatusBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int?
    func set(_ new: Int) { lock.lock(); value = new; lock.unlock() }
    func get() -> Int? { lock.lock(); defer { lock.unlock() }; return value }
}
