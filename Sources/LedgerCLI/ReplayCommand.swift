import EventLog
import Inspection
import ODA

/// `oda-ledger replay`: rebuilds the ODA projection and the inspection projections (flags,
/// cases and population flags) from the events and prints their digests.
enum ReplayCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "replay",
        abstract: "Rebuild the projections (ODA, flags, cases, population flags) from the events and print their digests.",
        options: [
            dataOption,
            .init(name: "to", value: "SEQ", help: "Rebuild only up to this seq; the live projections are left as they are."),
            .init(name: "as-of", value: "DATE", help: "Rebuild what was recorded by this date (YYYY-MM-DD, end of day UTC) or RFC 3339 instant; live projections left as they are."),
        ],
        discussion: """
            A full replay rebuilds each projection into shadow tables and swaps them in, in one transaction per
            projection, after comparing its digest with the live one's: exit code 1 when one differed (the live state
            was wrong and has been replaced). The projection digest is SHA-256 over the RFC 8785 JSON of every ODA
            projection table's rows in key order; the flags and cases digests are taken the same way over the
            inspection tables (the flag table with the state it is kept from, the case table, and the population flag
            table, which holds the flags of the latest recorded PopulationRulesEvaluated event).
            """)

    /// One projection to rebuild: its projector and how its tables are digested.
    private struct Target {
        let label: String
        let projector: any Projector
        let digest: (ProjectionDatabase, String) throws -> String
    }

    private static var targets: [Target] { [
        Target(label: "projection", projector: ProjectStateProjector()) { try ProjectionDigest(of: $0, prefix: $1).description },
        Target(label: "flags", projector: FlagProjector()) { try InspectionDigest.flags($0, prefix: $1).description },
        Target(label: "cases", projector: CaseProjector()) { try InspectionDigest.cases($0, prefix: $1).description },
        Target(label: "population flags", projector: PopulationFlagProjector()) {
            try InspectionDigest.populationFlags($0, prefix: $1).description
        },
    ] }

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let console = context.console
        let to = try arguments.integer("to", command: spec.name, minimum: 0)
        if to != nil, arguments["as-of"] != nil {
            throw UsageError(command: spec.name, message: "give --to or --as-of, not both")
        }
        let store = try context.openStore(arguments, access: .readWrite)
        let point: PointInTime? = if let to { .seq(to) } else if let asOf = arguments["as-of"] { try PointInTime(parsing: asOf) } else { nil }
        guard let point else {
            var status = ExitCode.success
            for target in targets {
                let progress: (Int64, Int64) -> Void = { console.progress("replay \(target.label)", done: $0, total: $1) }
                let head = try store.head().seq
                // A projection behind the head, or whose tables are missing or unreadable, has no digest to compare.
                let before = try store.projectionPosition(target.projector.name) == head
                    ? try? store.withProjectionSnapshot { try target.digest($0, "") } : nil
                let rebuilt = try store.rebuild(target.projector, swap: true, progress: progress) { try target.digest($0, $1) }
                let live = target.label == "projection" ? "live projection" : "live \(target.label)"
                if target.label == "projection" { console.print("replayed \(rebuilt.position) events; shadow tables swapped in") }
                console.print("\(target.label) digest \(rebuilt.result)")
                guard let before else {
                    console.print("the \(live) \(target.label == "projection" ? "was" : "were") not at the head before the replay; "
                        + "\(target.label == "projection" ? "it is" : "they are") now")
                    continue
                }
                if before == rebuilt.result {
                    console.print("the \(live) had the same digest")
                } else {
                    console.print("the \(live) differed (\(before)) and \(target.label == "projection" ? "has" : "have") been replaced")
                    status = .integrityFinding
                }
            }
            return status
        }
        let position = try point.position(in: store)
        var reached: Int64 = 0
        var digests: [String] = []
        for target in targets {
            let progress: (Int64, Int64) -> Void = { console.progress("replay \(target.label)", done: $0, total: $1) }
            let rebuilt = try store.rebuild(target.projector, through: position, swap: false, progress: progress) { try target.digest($0, $1) }
            reached = rebuilt.position
            digests.append("\(target.label) digest \(rebuilt.result)")
        }
        console.print("replayed \(reached) events into shadow tables; live projection unchanged")
        for line in digests { console.print(line) }
        return .success
    }
}
