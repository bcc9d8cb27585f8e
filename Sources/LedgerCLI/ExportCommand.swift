import EventLog
import Foundation

/// `oda-ledger export`: the whole ledger as JSON Lines anyone can re-verify without the database.
enum ExportCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "export",
        abstract: "Write every event's canonical envelope with its hash as JSON Lines.",
        options: [
            dataOption,
            .init(name: "out", value: "FILE", help: "Write to FILE (replaced only once the export is complete) instead of standard output."),
        ],
        discussion: "The format is specified in Schemas/ledger-format.md; Tools/verify_ledger.py checks an export independently.")

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let store = try context.openStore(arguments, access: .readOnly)
        guard let out = arguments["out"] else {
            try store.readStored { event in
                context.console.printBytes(event.exportBytes)
                return true
            }
            return .success
        }
        // Written beside the target and renamed into place, so a reader never sees half an export.
        let temporary = out + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) ,
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw CommandFailure("cannot create \(temporary) to write the export")
        }
        var count = 0
        do {
            var buffer: [UInt8] = []
            try store.readStored { event in
                buffer.append(contentsOf: event.exportBytes)
                buffer.append(0x0A)
                count += 1
                if buffer.count >= 1 << 20 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
                return true
            }
            try handle.write(contentsOf: buffer)
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: out) { try FileManager.default.removeItem(atPath: out) }
            try FileManager.default.moveItem(atPath: temporary, toPath: out)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CommandFailure("export to \(out) failed: \(error)")
        }
        context.console.error("exported \(count) events to \(out)")
        return .success
    }
}
