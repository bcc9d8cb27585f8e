import EventLog
import ODA

/// `oda-ledger replay`: rebuilds the ODA projection from the events and prints its digest.
enum ReplayCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "replay",
        abstract: "Rebuild the projections from the events and print the projection digest.",
        options: [
            dataOption,
            .init(name: "to", value: "SEQ", help: "Rebuild only up to this seq; the live projection is left as it is."),
            .init(name: "as-of", value: "DATE", help: "Rebuild what was recorded by this date (YYYY-MM-DD, end of day UTC) or RFC 3339 instant; live projection left as it is."),
        ],
        discussion: """
            A full replay writes shadow tables and swaps them in, in one transaction, after comparing its digest with
            the live projection's: exit code 1 when they differed (the live state was wrong and has been replaced).
            The digest is SHA-256 over the RFC 8785 JSON of every projection table's rows in key order.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let console = context.console
        let to = try arguments.integer("to", command: spec.name, minimum: 0)
        if to != nil, arguments["as-of"] != nil {
            throw UsageError(command: spec.name, message: "give --to or --as-of, not both")
        }
        let store = try context.openStore(arguments, access: .readWrite)
        let point: PointInTime? = if let to { .seq(to) } else if let asOf = arguments["as-of"] { try PointInTime(parsing: asOf) } else { nil }
        let projector = ProjectStateProjector()
        let progress: (Int64, Int64) -> Void = { console.progress("replay", done: $0, total: $1) }
        guard let point else {
            let head = try store.head().seq
            let before = try store.projectionPosition(ProjectStateProjector.name) == head
                ? try store.withProjectionSnapshot { try ProjectionDigest(of: $0) } : nil
            let rebuilt = try store.rebuild(projector, swap: true, progress: progress) { try ProjectionDigest(of: $0, prefix: $1) }
            console.print("replayed \(rebuilt.position) events; shadow tables swapped in")
            console.print("projection digest \(rebuilt.result)")
            guard let before else {
                console.print("the live projection was not at the head before the replay; it is now")
                return .success
            }
            if before == rebuilt.result {
                console.print("the live projection had the same digest")
                return .success
            }
            console.print("the live projection differed (\(before)) and has been replaced")
            return .integrityFinding
        }
        let position = try point.position(in: store)
        let rebuilt = try store.rebuild(projector, through: position, swap: false, progress: progress) {
            try ProjectionDigest(of: $0, prefix: $1)
        }
        console.print("replayed \(rebuilt.position) events into shadow tables; live projection unchanged")
        console.print("projection digest \(rebuilt.result)")
        return .success
    }
}
