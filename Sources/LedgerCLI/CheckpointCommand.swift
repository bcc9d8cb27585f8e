import CanonicalJSON
import EventLog
import Transparency

/// `oda-ledger checkpoint`: a signed checkpoint of the ledger as it stands, for an auditor to
/// keep outside the server; or the list of checkpoints the ledger holds.
enum CheckpointCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "checkpoint",
        abstract: "Sign a checkpoint of the ledger as it stands (reusing a stored one of that size), or list stored ones.",
        options: [
            dataOption,
            .init(name: "out", value: "FILE", help: "Write the signed note to FILE (replaced atomically) instead of standard output."),
            .init(name: "list", value: nil, help: "List the stored checkpoints (size, root, recordedAt, cosigners) instead of signing."),
            .init(name: "json", value: nil, help: "With --list: one JSON object per checkpoint and line, note included."),
        ],
        discussion: """
            The checkpoint is a C2SP signed note (Schemas/ledger-format.md §7) signed with DIR/signing-key.pem, which
            must be readable by its owner only; it is kept in the ledger with its cosignatures. Keep the note outside
            the server: `oda-ledger verify --checkpoint FILE --key VKEY` later proves the ledger only grew since.
            Appends also sign checkpoints by themselves, as DIR/ledger.conf says (checkpoint.every_events,
            default 10000; checkpoint.every_minutes, default 60; 0 turns either off).
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        if arguments.flag("list") {
            guard arguments["out"] == nil else {
                throw UsageError(command: spec.name, message: "--out writes a new checkpoint; --list only prints, give one of them")
            }
            return try list(arguments, context)
        }
        guard !arguments.flag("json") else {
            throw UsageError(command: spec.name, message: "--json goes with --list; a checkpoint is printed as its signed note")
        }
        let directory = context.dataDirectory(arguments)
        let store = try context.openStore(arguments, access: .readWrite)
        let signer = try LedgerKeys.signer(directory, origin: try store.origin())
        let checkpoint = try store.checkpoint(signer: signer)
        let summary = "checkpoint of size \(checkpoint.size), root \(checkpoint.root.hex)"
        if let out = arguments["out"] {
            try TextFile.write(checkpoint.note, to: out, what: "checkpoint")
            context.console.error("\(summary) written to \(out)")
        } else {
            context.console.print(String(checkpoint.note.dropLast()))
        }
        return .success
    }

    private static func list(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let store = try context.openStore(arguments, access: .readOnly)
        let origin = try store.origin()
        let json = arguments.flag("json")
        if !json { context.console.print(row(["size", "recordedAt", "root", "cosigners"])) }
        for checkpoint in try store.storedCheckpoints() {
            let cosigners = ((try? SignedNote.parse(checkpoint.note))?.signatures ?? []).map(\.name).filter { $0 != origin }
            if json {
                var object = JSONObject()
                object["size"] = .integer(checkpoint.size)
                object["root"] = .string(checkpoint.root.hex)
                object["recordedAt"] = .string(checkpoint.recordedAt.rfc3339)
                object["cosigners"] = .array(cosigners.map { .string($0) })
                object["note"] = .string(checkpoint.note)
                context.console.print(JSONValue.object(object).canonicalString)
            } else {
                context.console.print(row([
                    String(checkpoint.size), checkpoint.recordedAt.rfc3339, checkpoint.root.hex,
                    cosigners.isEmpty ? "-" : cosigners.joined(separator: ","),
                ]))
            }
        }
        return .success
    }

    /// Columns padded to the width of a size, a timestamp and a root hash.
    private static func row(_ cells: [String]) -> String {
        zip(cells, [10, 27, 64, 0]).map { cell, width in
            cell.count >= width ? cell : cell + String(repeating: " ", count: width - cell.count)
        }.joined(separator: " ").trimmingTrailingSpaces()
    }
}
