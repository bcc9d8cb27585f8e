import CanonicalJSON
import EventLog
import Foundation
import HTTP
import ODA
@testable import Service
import XCTest

/// `LedgerHeadWatch` (the head answered from memory while `PRAGMA data_version` stays put)
/// against `EventStore.head()` (a fresh read): equal after appends through this process's writer,
/// another connection, and another process, and the head is really re-read only when it moved.
final class LedgerHeadWatchTests: XCTestCase {
    func testAgreesWithAFreshReadAfterEveryKindOfAppend() throws {
        let h = try ServiceHarness()
        let watch = LedgerHeadWatch(path: h.store.path, connections: 3)
        let other = try EventStore(openingAt: h.store.path)
        func assertCurrent(_ when: String, file: StaticString = #filePath, line: UInt = #line) throws {
            // Every watcher connection in turn, several times: each keeps its own version.
            for _ in 0 ..< 7 {
                XCTAssertEqual(watch.headSeq(), try h.store.head().seq, when, file: file, line: line)
            }
        }
        try assertCurrent("empty ledger")
        var generator = SystemRandomNumberGenerator()
        for round in 0 ..< 24 {
            let id = "W-\(round)"
            let proposal = try ProposedEvent(json: JSONValue.parse(Array(Sample.proposal(id).utf8)))
            switch Int.random(in: 0 ..< 3, using: &generator) {
            case 0: _ = try h.store.append([proposal], actor: Actor(id: "user:here"))
            case 1: _ = try other.append([proposal], actor: Actor(id: "user:elsewhere"))
            default: _ = try h.service.appendQueue.append([proposal], actor: Actor(id: "user:queued")).get()
            }
            try assertCurrent("after append \(round)")
        }
    }

    func testAnUnchangedLedgerIsAnsweredFromMemory() throws {
        let h = try ServiceHarness()
        let watch = LedgerHeadWatch(path: h.store.path, connections: 2)
        for _ in 0 ..< 10 { XCTAssertEqual(watch.headSeq(), 0) }
        XCTAssertEqual(watch.headReads, 2, "one read per watcher connection, then memory")
        let proposal = try ProposedEvent(json: JSONValue.parse(Array(Sample.proposal("M-1").utf8)))
        _ = try h.store.append([proposal], actor: Actor(id: "user:here"))
        for _ in 0 ..< 10 { XCTAssertEqual(watch.headSeq(), 1) }
        XCTAssertEqual(watch.headReads, 4, "the append made each connection read once more")
    }

    /// The CLI appending to the file the server reads: health and cached reads see it on the
    /// very next request.
    func testAnAppendByAnotherProcessIsSeenOnTheNextRequest() throws {
        let h = try ServiceHarness()
        let inspector = try h.token("inspector", .inspector)
        let admin = try h.token("admin", .admin)
        XCTAssertEqual(h.request("POST", "/v1/events", token: admin, body: Sample.proposal("X-1")).status, 201)
        func size() throws -> Int64? {
            try JSONValue.parse(Array(h.request("GET", "/v1/health").body)).objectValue?["size"]?.integerValue
        }
        let before = try XCTUnwrap(size())
        XCTAssertEqual(try size(), before)
        let state = h.request("GET", "/v1/projects/X-1", token: inspector)
        XCTAssertEqual(state.status, 200)
        XCTAssertEqual(h.request("GET", "/v1/projects/X-1", token: inspector).body, state.body, "a cached read")

        let input = h.directory.appendingPathComponent("append.jsonl")
        try (Sample.commitment("X-1", "C-1") + "\n").write(to: input, atomically: true, encoding: .utf8)
        try Self.runCLI(["append", "--data", h.directory.path, "--actor", "user:cli", input.path], on: h.directory)

        XCTAssertEqual(try size(), before + 1, "health sees the other process's append at once")
        let after = h.request("GET", "/v1/projects/X-1", token: inspector)
        XCTAssertNotEqual(after.body, state.body, "the cached project state is not served after the append")
        XCTAssertEqual(try JSONValue.parse(Array(after.body)).objectValue?["transactions"]?.arrayValue?.count, 1)
    }

    /// A revocation by another process (the CLI) refuses the token on the very next request, even
    /// though the server had just answered that token from its cache.
    func testARevocationByAnotherProcessRefusesTheNextRequest() throws {
        let h = try ServiceHarness()
        let inspector = try h.token("inspector", .inspector)
        for _ in 0 ..< 3 { XCTAssertEqual(h.request("GET", "/v1/flags", token: inspector).status, 200) }
        try Self.runCLI(["user", "revoke", "--name", "inspector", "--data", h.directory.path], on: h.directory)
        XCTAssertEqual(h.request("GET", "/v1/flags", token: inspector).status, 401)
    }

    /// Runs the built `oda-ledger` as another process on the harness's ledger and asserts it
    /// succeeded (its stderr is the failure message); skips when the executable is not built.
    static func runCLI(_ arguments: [String], on directory: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw XCTSkip("oda-ledger is not built beside the tests")
        }
        try withoutAutomaticCheckpoints(directory)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                       file: file, line: line)
    }

    /// The harness's ledger has no signing key: the CLI may append only without checkpoints.
    static func withoutAutomaticCheckpoints(_ directory: URL) throws {
        try "checkpoint.every_events = 0\ncheckpoint.every_minutes = 0\n"
            .write(to: directory.appendingPathComponent("ledger.conf"), atomically: true, encoding: .utf8)
    }

    /// The built `oda-ledger` executable, beside the test bundle.
    static var executable: URL {
        let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent()
            ?? Bundle.main.bundleURL
        return products.appendingPathComponent("oda-ledger")
    }
}
