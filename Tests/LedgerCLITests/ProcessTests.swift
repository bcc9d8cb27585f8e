import CanonicalJSON
import EventLog
import Foundation
import Synchronization
import XCTest

/// The real `oda-ledger` executable, as operators run it: several at once, and killed hard.
final class ProcessTests: XCTestCase {
    func testTwoProcessesAppendingAtOnceNeverProduceAGapDuplicateOrBrokenLink() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        for worker in 0..<2 {  // the workers' projects, proposed once (appends are validated)
            XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: eventLines(3, stream: { "project:w\(worker)-\($0 % 3)" })).status, 0)
        }
        let files = try (0..<2).map { worker in
            try cli.write("w\(worker).jsonl", eventLines(40, stream: { "project:w\(worker)-\($0 % 3)" }, offset: 3))
        }
        let data = cli.data
        let group = DispatchGroup()
        let failures = Mutex(0)
        for worker in 0..<2 {
            DispatchQueue.global().async(group: group) {
                for _ in 0..<6 {
                    let result = try? CLIHarness.runProcess(["append", "--data", data, files[worker]])
                    if result?.status != 0 { failures.withLock { $0 += 1 } }
                }
            }
        }
        group.wait()
        XCTAssertEqual(failures.withLock { $0 }, 0)
        let store = try EventStore(openingAt: cli.data + "/ledger.sqlite", access: .readOnly)
        XCTAssertEqual(try store.events(EventQuery()).map(\.seq), Array(1...486))
        XCTAssertTrue(try ChainVerifier(store: store).verify().isIntact)
        XCTAssertEqual(try store.version(of: "project:w0-0"), 1 + 6 * 14)
    }

    func testAcknowledgedAppendsSurviveKillDashNine() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: eventLines(5)).status, 0)  // the projects, proposed once
        let batch = try cli.write("batch.jsonl", eventLines(300, offset: 5))
        var acknowledged: [(seq: Int64, hash: String)] = []
        // Appends run back to back; one of them is killed at an arbitrary moment of its work.
        for round in 0..<8 {
            let (process, out, _) = try CLIHarness.launch(["append", "--data", cli.data, batch])
            if round == 5 {
                usleep(UInt32.random(in: 1_000...40_000))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                continue
            }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let value = try JSONValue.parse(String(line))
                acknowledged.append((try XCTUnwrap(value["seq"]?.integerValue), try XCTUnwrap(value["hash"]?.stringValue)))
            }
        }
        XCTAssertEqual(acknowledged.count, 7 * 300)
        let store = try EventStore(openingAt: cli.data + "/ledger.sqlite", access: .readOnly)
        let report = try ChainVerifier(store: store).verify()
        XCTAssertTrue(report.isIntact, "\(report.findings)")
        let total = try store.head().seq
        XCTAssertTrue(total == 5 + 2_100 || total == 5 + 2_400, "the killed batch is all there or not at all: \(total)")
        for (seq, hash) in acknowledged {
            XCTAssertEqual(try store.event(at: seq)?.hash.hex, hash, "acknowledged seq \(seq) survived with its hash")
        }
    }

    /// A ledger file the user may read but not write (here: owned by root, run as `nobody`).
    func testReadOnlyFileGivesAClearErrorAndChangesNothing() throws {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") else {
            throw XCTSkip("needs root and runuser to act as another user")
        }
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: eventLines(3)).status, 0)
        let input = try cli.write("more.jsonl", eventLines(2, offset: 5))
        // Without automatic checkpoints the append needs no key, so the file's permissions decide.
        try "checkpoint.every_events = 0\ncheckpoint.every_minutes = 0\n".write(toFile: cli.data + "/ledger.conf", atomically: true, encoding: .utf8)
        for path in [cli.directory.path, cli.data] { chmod(path, 0o755) }
        chmod(cli.data + "/ledger.conf", 0o644)
        for file in ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"] { chmod(cli.data + "/" + file, 0o644) }
        chmod(input, 0o644)
        let result = try CLIHarness.runProcess(["/usr/sbin/runuser", "-u", "nobody", "--", CLIHarness.executable.path,
                                                "append", "--data", cli.data, input], direct: true)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("read-only"), result.stderr)
        XCTAssertTrue(result.stderr.contains("nothing was written"), result.stderr)
        let store = try EventStore(openingAt: cli.data + "/ledger.sqlite", access: .readOnly)
        XCTAssertEqual(try store.head().seq, 3)
        XCTAssertTrue(try ChainVerifier(store: store).verify().isIntact)
    }

    /// `oda-ledger log | head` must not die of SIGPIPE (exit 141) when head stops reading.
    func testClosedPipeEndsQuietly() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        XCTAssertEqual(cli.run(["append", "--data", cli.data], stdin: eventLines(2_000)).status, 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "'\(CLIHarness.executable.path)' log --data '\(cli.data)' | head -n 1 > /dev/null; exit ${PIPESTATUS[0]}"]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
