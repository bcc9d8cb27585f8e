import EventLog
import Foundation

/// Exit codes, documented in the README.
public enum ExitCode: Int32, Sendable {
    case success = 0
    /// An integrity finding: `verify` found tampering, or `prove`/`cosign` met a checkpoint the ledger does not extend.
    case integrityFinding = 1
    /// A usage mistake, invalid input, a refused append, or an I/O error.
    case failure = 2
}

/// A command that could not do its job; `message` is one sentence for standard error.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
    init(_ message: String) { self.message = message }
}

/// What every command receives.
struct CommandContext {
    let console: Console
    let environment: [String: String]

    func dataDirectory(_ arguments: ParsedArguments) -> DataDirectory {
        DataDirectory(option: arguments["data"], environment: environment)
    }

    /// Opens the ledger in `arguments`' data directory.
    func openStore(_ arguments: ParsedArguments, access: EventStore.Access) throws -> EventStore {
        let directory = dataDirectory(arguments)
        guard FileManager.default.fileExists(atPath: directory.ledgerFile) else {
            throw CommandFailure("no ledger in \(directory.path); create one with `oda-ledger init --data \(directory.path)`")
        }
        return try EventStore(openingAt: directory.ledgerFile, access: access)
    }
}

protocol LedgerCommand: SendableMetatype {
    static var spec: CommandSpec { get }
    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode
}

/// A command's spec and entry point, so the table of commands needs no existential metatypes.
struct CommandEntry: Sendable {
    let spec: CommandSpec
    let run: @Sendable (ParsedArguments, CommandContext) throws -> ExitCode

    init<Command: LedgerCommand>(_: Command.Type) {
        spec = Command.spec
        run = { try Command.run($0, $1) }
    }
}

let dataOption = CommandSpec.Option(
    name: "data", value: "DIR", help: "The ledger's data directory (default: $ODA_LEDGER_DATA, else ./oda-data).")

/// The `oda-ledger` command line.
public enum LedgerTool {
    static let commands: [CommandEntry] = [
        CommandEntry(InitCommand.self), CommandEntry(AppendCommand.self), CommandEntry(LogCommand.self),
        CommandEntry(VerifyCommand.self), CommandEntry(ExportCommand.self), CommandEntry(CheckpointCommand.self),
        CommandEntry(ProveCommand.self), CommandEntry(CosignCommand.self), CommandEntry(KeygenCommand.self),
        CommandEntry(RotateKeyCommand.self),
        CommandEntry(ReplayCommand.self), CommandEntry(ProjectCommand.self), CommandEntry(PortfolioCommand.self),
        CommandEntry(UserCommand.self),
        CommandEntry(ServeCommand.self),
        CommandEntry(ImportCommand.self),
        CommandEntry(FlagsCommand.self), CommandEntry(CaseCommand.self),
        CommandEntry(DemoCommand.self),
    ]

    static var overview: String {
        var lines = [
            "oda-ledger: an append-only, hash-chained ledger of ODA budget changes.", "",
            "USAGE: oda-ledger <command> [options]", "", "COMMANDS:",
        ]
        for command in commands {
            let name = command.spec.name
            lines.append("  " + name + String(repeating: " ", count: max(2, 12 - name.count)) + command.spec.abstract)
        }
        lines += ["", "Run `oda-ledger <command> --help` for a command's options.",
                  "Exit codes: 0 success, 1 integrity finding (verify, prove, cosign), 2 usage, input or I/O error."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Runs one invocation and returns its exit code; everything is written through `console`.
    public static func run(arguments: [String], console: Console, environment: [String: String]) -> Int32 {
        defer { console.flush() }
        guard let name = arguments.first else {
            console.error(overview)
            return ExitCode.failure.rawValue
        }
        if ["--help", "-h", "help"].contains(name) {
            console.print(overview)
            return ExitCode.success.rawValue
        }
        guard let command = commands.first(where: { $0.spec.name == name }) else {
            console.error("oda-ledger: unknown command \(name). Commands: \(commands.map(\.spec.name).joined(separator: ", ")).")
            return ExitCode.failure.rawValue
        }
        let spec = command.spec
        do {
            let parsed = try spec.parse(Array(arguments.dropFirst()))
            if parsed.flag("help") {
                console.print(spec.help)
                return ExitCode.success.rawValue
            }
            return try command.run(parsed, CommandContext(console: console, environment: environment)).rawValue
        } catch let error as UsageError {
            console.error("oda-ledger \(spec.name): \(error.message)\nusage: \(spec.usage)")
        } catch {
            console.error("oda-ledger \(spec.name): \(error)")
        }
        return ExitCode.failure.rawValue
    }
}
