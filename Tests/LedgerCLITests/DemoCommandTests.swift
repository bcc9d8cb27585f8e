import CanonicalJSON
import EventLog
import Foundation
import Inspection
import LedgerCLI
import XCTest

/// `oda-ledger demo` on the bundled sample: it builds, inspects, signs and verifies; its flags
/// catch every anomaly `labels.json` says was injected; a second run into its directory rebuilds
/// the same ledger; it refuses directories it did not make; it finds the sample from anywhere.
final class DemoCommandTests: XCTestCase {
    /// The repository's Tests/Fixtures, from this file's path.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    func testDemoRecordsInspectsSignsAndVerifiesAndASecondRunRebuildsTheSameLedger() throws {
        let harness = try CLIHarness()
        let data = harness.data
        let first = harness.run(["demo", "--data", data])
        XCTAssertEqual(first.status, 0, first.stderr + first.stdout)
        XCTAssertTrue(first.stdout.contains("== Portfolio by development partner"), first.stdout)
        XCTAssertTrue(first.stdout.contains("== Portfolio by province"))
        XCTAssertTrue(first.stdout.contains("Savannakhet (LA-SV)"))
        XCTAssertTrue(first.stdout.contains("exactly the flags the flag projection keeps"))
        XCTAssertTrue(first.stdout.contains("(equals the live one)"))
        XCTAssertTrue(first.stdout.contains("chain: intact"))
        XCTAssertTrue(first.stdout.contains(": extension: "), first.stdout)

        // The population rules were evaluated at a recorded point, the event just before the checkpoint.
        let probe = try EventStore(openingAt: data + "/ledger.sqlite", access: .readOnly)
        let evaluatedAt = try probe.head().seq
        XCTAssertEqual(try probe.event(at: evaluatedAt)?.envelope.type, "PopulationRulesEvaluated")
        XCTAssertTrue(first.stdout.contains("population rules evaluated at seq \(evaluatedAt):"), first.stdout)

        // Every injected anomaly is caught: a flag of the expected rule on the expected subject,
        // whose evidence holds one of the label's events.
        let store = try EventStore(openingAt: data + "/ledger.sqlite", access: .readOnly)
        var seqByKey: [String: Int64] = [:]
        try store.read(EventQuery()) { event in
            if let key = event.envelope.idempotencyKey { seqByKey[key] = event.seq }
            return true
        }
        let flags = try FullEvaluation.flags(in: store)
        // Population labels (none in the bundled 8 projects: too few peers and payments) are caught by
        // the evaluation the demo recorded.
        let populationFlags = try store.withProjectionSnapshot { try PopulationFlagTable.all(in: $0) }
        let labels = try Self.labels()
        XCTAssertGreaterThanOrEqual(labels.count, 32)
        var kinds: Set<String> = [], rules: Set<String> = []
        for label in labels {
            for expectation in label.expect {
                rules.insert(expectation.rule)
                let hit = (flags + populationFlags).first { flag in
                    flag.ruleId == expectation.rule && flag.subject.kind.rawValue == expectation.kind
                        && flag.subject.name == expectation.name && flag.subject.project == expectation.project
                        && label.keys.contains { seqByKey[$0].map(flag.evidence.contains) ?? false }
                }
                XCTAssertNotNil(hit, "label \(label.id) (\(label.kind)): no \(expectation.rule) flag on \(expectation.name)")
            }
            kinds.insert(label.kind)
        }
        XCTAssertTrue(Set(RuleCatalogue.subjectRules.map(\.id)).isSubset(of: rules), "every subject rule has labels")
        XCTAssertGreaterThanOrEqual(kinds.count, 17, "a kind per subject rule, two for the budget-revision rule")
        XCTAssertEqual(Set(flags.map(\.ruleId)), Set(RuleCatalogue.subjectRules.map(\.id)), "every rule raised a flag")

        // The checkpoint it wrote verifies with the ordinary command.
        let verify = harness.run(["verify", "--data", data, "--checkpoint", data + "/checkpoint.note"])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let head = try store.head()

        // A second run deletes the previous demo's files and builds the same events again.
        let second = harness.run(["demo", "--data", data])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("removed the previous demo in \(data)"), second.stdout)
        let again = try EventStore(openingAt: data + "/ledger.sqlite", access: .readOnly)
        XCTAssertEqual(try again.head().seq, head.seq)
        XCTAssertEqual(try FullEvaluation.flags(in: again).map(\.id), flags.map(\.id))
        XCTAssertEqual(try again.event(at: 500)?.envelope.payload, try store.event(at: 500)?.envelope.payload)

        // A file the demo did not write makes it refuse, and nothing is deleted.
        let foreign = data + "/users.sqlite"
        try "mine".write(toFile: foreign, atomically: true, encoding: .utf8)
        let third = harness.run(["demo", "--data", data])
        XCTAssertEqual(third.status, 2)
        XCTAssertTrue(third.stderr.contains("users.sqlite, which the demo did not write"), third.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: data + "/ledger.sqlite"))
        XCTAssertEqual(try String(contentsOfFile: foreign, encoding: .utf8), "mine")
    }

    func testDemoRefusesANonEmptyDirectoryItDidNotMake() throws {
        let harness = try CLIHarness()
        try FileManager.default.createDirectory(atPath: harness.data, withIntermediateDirectories: true)
        let note = harness.data + "/notes.txt"
        try "keep me".write(toFile: note, atomically: true, encoding: .utf8)
        let result = harness.run(["demo", "--data", harness.data])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("is not empty and was not made by `oda-ledger demo`"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: harness.data), ["notes.txt"])
    }

    func testDemoNamesWhereItLookedWhenTheSampleIsMissing() throws {
        let harness = try CLIHarness()
        let result = harness.run(["demo", "--data", harness.data, "--fixtures", harness.directory.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("cannot find the bundled sample"), result.stderr)
        XCTAssertTrue(result.stderr.contains(harness.directory.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.data), "nothing is created before the sample is found")
    }

    /// The real executable, started in an unrelated working directory, finds the bundled sample (it
    /// then stops at the directory check, which comes after finding the sample, so this stays fast).
    func testTheExecutableFindsTheSampleFromAnotherWorkingDirectory() throws {
        let harness = try CLIHarness()
        try FileManager.default.createDirectory(atPath: harness.data, withIntermediateDirectories: true)
        try "x".write(toFile: harness.data + "/other.txt", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = CLIHarness.executable
        process.arguments = ["demo", "--data", harness.data]
        process.currentDirectoryURL = harness.directory
        var environment = ProcessInfo.processInfo.environment
        environment["ODA_LEDGER_FIXTURES"] = nil
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 2)
        XCTAssertFalse(stderr.contains("cannot find the bundled sample"), stderr)
        XCTAssertTrue(stderr.contains("was not made by `oda-ledger demo`"), stderr)
    }

    struct Expectation {
        let rule: String, kind: String, name: String, project: String
    }

    struct Label {
        let id: String, kind: String, expect: [Expectation], keys: [String]
    }

    static func labels() throws -> [Label] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: fixtures + "/synthetic/labels.json"))
        guard case let .object(document) = try JSONValue.parse([UInt8](data)), let anomalies = document["anomalies"]?.arrayValue else {
            throw XCTSkip("labels.json has no anomalies")
        }
        return anomalies.compactMap { value -> Label? in
            guard let o = value.objectValue, let id = o["id"]?.stringValue, let kind = o["kind"]?.stringValue,
                  let expect = o["expect"]?.arrayValue, let keys = o["idempotencyKeys"]?.arrayValue else { return nil }
            return Label(id: id, kind: kind, expect: expect.compactMap { item in
                guard let e = item.objectValue, let s = e["subject"]?.objectValue, let rule = e["rule"]?.stringValue,
                      let kind = s["kind"]?.stringValue, let name = s["name"]?.stringValue, let project = s["project"]?.stringValue
                else { return nil }
                return Expectation(rule: rule, kind: kind, name: name, project: project)
            }, keys: keys.compactMap(\.stringValue))
        }
    }
}
