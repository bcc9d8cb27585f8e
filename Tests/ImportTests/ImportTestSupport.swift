import EventLog
import Foundation
import ODA
import XCTest

/// A ledger with the ODA projection in a fresh temporary directory, removed afterwards.
final class ImportLedger {
    let directory: URL
    let store: EventStore
    let actor: Actor

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try EventStore.create(at: directory.appendingPathComponent("ledger.sqlite").path)
        try store.register(ProjectStateProjector())
        actor = try Actor(id: "local:importer")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func events(type: String? = nil, stream: String? = nil) throws -> [RecordedEvent] {
        try store.events(EventQuery(stream: stream, type: type))
    }
}

enum LaoFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/lao").standardized
    static var undp: String { directory.appendingPathComponent("undp_lao_iati_2.02_excerpt.xml").path }
    static var adb: String { directory.appendingPathComponent("adb_lao_projects_summary_derived.csv").path }
}
