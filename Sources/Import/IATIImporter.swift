import Crypto
import EventLog
import Foundation
import ODA

/// `oda-ledger import iati`: one IATI activity file in, one validated all-or-nothing append.
///
/// Guarantees: every problem in the file is reported (file, line, element, rule) and then nothing
/// is appended; the ledger's own validation of the mapped events runs before the single append and
/// its refusals are reported against the element the event came from; re-importing the same file
/// appends nothing; a newer version appends only revisions, new records and reversals.
public enum IATIImporter {
    public static func importFile(at path: String, into store: EventStore, actor: Actor,
                                  validator: EventValidator = EventValidator()) throws -> ImportResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImportError([ImportProblem(file: path, line: 0, element: "file", rule: "cannot be read: no such file, or not readable")])
        }
        return try importData(data, file: path, into: store, actor: actor, validator: validator)
    }

    public static func importData(_ data: Data, file: String, into store: EventStore, actor: Actor,
                                  validator: EventValidator = EventValidator()) throws -> ImportResult {
        let sha256 = SHA256.hash(Array(data)).hex
        let document = try IATIReader.read(data, file: file)
        let fileName = String(URL(fileURLWithPath: file).lastPathComponent.prefix(2000))
        let mapper = IATIEventMapper(file: file, fileName: fileName, sha256: sha256, version: document.version, store: store)
        let output = try mapper.map(document.activities)
        let outcomes = try appendAll(output.events, file: file, store: store, actor: actor, validator: validator)
        return ImportResult(fileSha256: sha256, outcomes: outcomes, alreadyRecorded: output.alreadyRecorded, skipped: output.skipped)
    }

    /// Appends the events in one validated batch; a validation refusal becomes an `ImportError`
    /// naming the line and element the refused event was made from.
    static func appendAll(_ events: [ImportedEvent], file: String, store: EventStore, actor: Actor,
                          validator: EventValidator) throws -> [AppendOutcome] {
        guard !events.isEmpty else { return [] }
        do {
            return try store.appendValidated(events.map(\.event), actor: actor, validator: validator)
        } catch let error as ValidationError {
            let source = events[error.index]
            throw ImportError([ImportProblem(file: file, line: source.line, element: source.element,
                                             rule: "\(source.event.type) refused by the ledger: \(error.pointer) \(error.rule)")])
        }
    }
}
