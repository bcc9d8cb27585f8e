import CanonicalJSON
import EventLog
import Foundation
import XCTest
@testable import ODA

/// A ledger in a fresh temporary directory, removed afterwards.
final class TemporaryLedger {
    let directory: URL
    let store: EventStore

    /// With `projected`, `ProjectStateProjector` is registered as the CLI does, so validated
    /// appends read project state from the projection tables.
    init(projected: Bool = false) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("oda-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try EventStore.create(at: directory.appendingPathComponent("ledger.sqlite").path)
        if projected { try store.register(ProjectStateProjector()) }
    }

    var path: String { directory.appendingPathComponent("ledger.sqlite").path }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var head: Int64 { (try? store.head().seq) ?? -1 }
}

enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized
    static let schemas = root.appendingPathComponent("Schemas/events")

    /// The example request of `type` from Schemas/events/examples.
    static func example(_ type: String) throws -> ProposedEvent {
        let data = try Data(contentsOf: schemas.appendingPathComponent("examples/\(type).json"))
        return try ProposedEvent(json: try JSONValue.parse(data))
    }
}

let proposer = try! Actor(id: "user:somsack", role: "recorder")
let approver = try! Actor(id: "user:khamla", role: "approver")

extension ProposedEvent {
    /// The same request with `payload` changed by `edit`.
    func editing(_ edit: (inout JSONObject) -> Void) -> ProposedEvent {
        var copy = self
        edit(&copy.payload)
        return copy
    }
}

extension XCTestCase {
    /// Asserts the batch is refused with exactly `pointer` and a rule containing `rule`, and that
    /// nothing was written.
    func assertRefused(_ events: [ProposedEvent], by actor: Actor = proposer, in ledger: TemporaryLedger,
                       validator: EventValidator = EventValidator(), index: Int? = nil,
                       pointer: String, rule: String, file: StaticString = #filePath, line: UInt = #line) {
        let before = ledger.head
        do {
            _ = try ledger.store.appendValidated(events, actor: actor, validator: validator)
            XCTFail("accepted; expected \(pointer): \(rule)", file: file, line: line)
        } catch let error as ValidationError {
            XCTAssertEqual(error.pointer, pointer, "\(error)", file: file, line: line)
            XCTAssertTrue(error.rule.contains(rule), "rule was: \(error.rule)", file: file, line: line)
            if let index { XCTAssertEqual(error.index, index, file: file, line: line) }
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
        XCTAssertEqual(ledger.head, before, "something was written", file: file, line: line)
    }
}

/// Asserts that the byte scan's envelope members (`StoredEventScan`) are those of the decoded
/// envelope `e`: what every fast-path test of the scan checks before its own facts.
func assertScannedEnvelope(_ fast: ProjectedEvent, equals e: EventEnvelope, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(fast.seq, e.seq, file: file, line: line)
    XCTAssertEqual(fast.stream, e.stream, file: file, line: line)
    XCTAssertEqual(fast.type, e.type, file: file, line: line)
    XCTAssertEqual(fast.actorID, e.actor.id, file: file, line: line)
    XCTAssertEqual(fast.actorRole, e.actor.role, file: file, line: line)
    XCTAssertEqual(fast.recordedAt, e.recordedAt.rfc3339, file: file, line: line)
    XCTAssertEqual(fast.occurredAt, e.occurredAt, file: file, line: line)
    XCTAssertEqual(fast.projectID, ProjectedEvent.projectID(ofStream: e.stream), file: file, line: line)
}

/// `ProjectStateProjector` with the full rebuild a test chooses: none (`chunkSize` nil), so
/// `rebuild` goes through `apply` one event batch at a time, the reference; or the bulk rebuild
/// handing its scan stage chunks of `chunkSize`.
struct RebuildVariantProjector: Projector {
    let inner = ProjectStateProjector()
    let chunkSize: Int?
    var name: String { inner.name }
    var tableNames: [String] { inner.tableNames }
    func createTables(in database: ProjectionDatabase, prefix: String) throws {
        try inner.createTables(in: database, prefix: prefix)
    }
    func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        try inner.apply(events, in: database, prefix: prefix)
    }
    func bulkRebuild(in database: ProjectionDatabase, prefix: String) throws -> (any BulkProjectionRebuild)? {
        guard let chunkSize else { return nil }
        return ProjectionRebuild(database: database, prefix: prefix, chunkSize: chunkSize)
    }
}
