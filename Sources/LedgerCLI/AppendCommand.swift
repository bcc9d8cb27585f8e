import CanonicalJSON
import EventLog
import Foundation
import Inspection
import ODA

/// `oda-ledger append`: JSON Lines in, one batch appended, one result line per event out.
enum AppendCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "append",
        abstract: "Append events from JSON Lines as one all-or-nothing batch.",
        options: [
            dataOption,
            .init(name: "actor", value: "ID", help: "Who is recording (default: local:<operating-system user>)."),
        ],
        positionals: [.init(name: "FILE", help: "JSON Lines to read; - or nothing for standard input.", optional: true)],
        discussion: """
            Each line: {"stream", "type", "payload", "expectedVersion"?, "idempotencyKey"?, "occurredAt"?,
            "schemaVersion"?, "correlationId"?, "causationId"?}. Amounts are decimal strings; numbers must be integers.
            Every event is checked against its type's schema in Schemas/events and the ODA rules; unknown types are refused.
            Case events (CaseAssigned ... CaseReopened) must name an existing flag and a transition the case workflow
            allows; RuleConfigured must name a rule at its current version and known parameters within bounds.
            Prints one JSON line per event with seq, hash, stream and streamVersion. If any line is invalid,
            or an expected version or idempotency key does not match, nothing is appended.
            """)

    /// The largest input accepted, so a mistaken path to a huge file fails clearly instead of exhausting memory.
    static let maximumInputBytes = 256 << 20

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let actor = try Actor(id: arguments["actor"] ?? defaultActorID())
        let source = arguments.positionals.first ?? "-"
        let input = try readInput(source, context)
        let events = try parseLines(input, source: source == "-" ? "standard input" : source)
        guard !events.isEmpty else { throw CommandFailure("\(source == "-" ? "standard input" : source) holds no events") }
        let store = try context.openStoreForAppending(arguments)
        let outcomes: [AppendOutcome]
        do {
            let policy = ValidationPolicy(allowsSelfApproval: try LedgerConfig.load(context.dataDirectory(arguments)).allowsSelfApproval)
            outcomes = try store.appendValidated(events, actor: actor,
                                                 validator: EventValidator(policy: policy, additionalChecks: [InspectionEventCheck()]))
        } catch let error as ValidationError {
            throw CommandFailure("\(source == "-" ? "standard input" : source) \(error); nothing was appended")
        }
        for outcome in outcomes {
            var line = JSONObject()
            let envelope = outcome.event.envelope
            line["seq"] = .integer(envelope.seq)
            line["hash"] = .string(outcome.event.hash.hex)
            line["stream"] = .string(envelope.stream)
            line["streamVersion"] = .integer(envelope.streamVersion)
            line["recordedAt"] = .string(envelope.recordedAt.rfc3339)
            if outcome.wasAlreadyRecorded { line["alreadyRecorded"] = .bool(true) }
            context.console.print(JSONValue.object(line).canonicalString)
        }
        return .success
    }

    static func readInput(_ source: String, _ context: CommandContext) throws -> [UInt8] {
        let bytes: [UInt8]
        if source == "-" {
            bytes = try context.console.readInput()
        } else {
            guard let handle = FileHandle(forReadingAtPath: source) else {
                throw CommandFailure("cannot read \(source): no such file, or not readable")
            }
            defer { try? handle.close() }
            bytes = try handle.read(upToCount: maximumInputBytes + 1).map { [UInt8]($0) } ?? []
        }
        guard bytes.count <= maximumInputBytes else {
            throw CommandFailure("\(source) is larger than \(maximumInputBytes >> 20) MiB; split it into smaller batches")
        }
        return bytes
    }

    /// Parses every line before anything is appended; the first bad line stops everything.
    static func parseLines(_ bytes: [UInt8], source: String) throws -> [ProposedEvent] {
        var events: [ProposedEvent] = []
        var lineNumber = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var content = line
            if content.last == 0x0D { content = content.dropLast() }
            if content.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do {
                let value = try JSONValue.parse(content)
                events.append(try ProposedEvent(json: value))
            } catch let error as JSONError {
                throw CommandFailure("\(source) line \(lineNumber): not valid JSON: \(error); nothing was appended")
            } catch {
                throw CommandFailure("\(source) line \(lineNumber): \(error); nothing was appended")
            }
        }
        return events
    }

    static func defaultActorID() -> String {
        let name = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ProcessInfo.processInfo.userName
        let cleaned = name.unicodeScalars.filter { $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }
        return "local:" + (cleaned.isEmpty ? "unknown" : String(String.UnicodeScalarView(cleaned)))
    }
}
