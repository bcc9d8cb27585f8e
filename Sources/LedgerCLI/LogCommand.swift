import CanonicalJSON
import EventLog

/// `oda-ledger log`: events by seq range, stream and type.
enum LogCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "log",
        abstract: "Print events, oldest first, filtered by stream, type and seq range.",
        options: [
            dataOption,
            .init(name: "stream", value: "S", help: "Only events of this stream, e.g. project:LA-2024-017."),
            .init(name: "project", value: "ID", help: "Only events of this project (the stream project:ID)."),
            .init(name: "type", value: "T", help: "Only events of this type, e.g. DisbursementRecorded."),
            .init(name: "from", value: "SEQ", help: "Start at this seq (inclusive)."),
            .init(name: "to", value: "SEQ", help: "Stop at this seq (inclusive)."),
            .init(name: "format", value: "jsonl|table", help: "jsonl: each event's canonical envelope with its hash (default); table: one row per event."),
        ])

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let format = try arguments.choice("format", command: spec.name, among: ["jsonl", "table"], default: "jsonl")
        if arguments["stream"] != nil, arguments["project"] != nil {
            throw UsageError(command: spec.name, message: "--stream and --project both name a stream; give one")
        }
        let query = EventQuery(
            fromSeq: try arguments.integer("from", command: spec.name, minimum: 1),
            toSeq: try arguments.integer("to", command: spec.name, minimum: 1),
            stream: arguments["stream"] ?? arguments["project"].map { "project:" + $0 }, type: arguments["type"])
        let store = try context.openStore(arguments, access: .readOnly)
        let console = context.console
        if format == "table" {
            console.print(TableRow.format(["seq", "recordedAt", "stream", "ver", "type", "actor", "hash"]))
        }
        if format == "jsonl" {
            try store.readStored(query) { event in
                console.printBytes(event.exportBytes)
                return true
            }
            return .success
        }
        try store.read(query) { event in
            let e = event.envelope
            console.print(TableRow.format([
                String(e.seq), e.recordedAt.rfc3339, e.stream, String(e.streamVersion), e.type, e.actor.id,
                String(event.hash.hex.prefix(16)),
            ]))
            return true
        }
        return .success
    }
}

enum TableRow {
    static let widths = [8, 27, 40, 5, 28, 20, 16]

    static func format(_ cells: [String]) -> String {
        zip(cells, widths).map { cell, width in
            cell.count >= width ? cell : cell + String(repeating: " ", count: width - cell.count)
        }.joined(separator: " ").trimmingTrailingSpaces()
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
