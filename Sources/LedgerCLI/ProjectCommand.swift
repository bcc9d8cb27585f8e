import CanonicalJSON
import EventLog
import ODA

/// `oda-ledger project show ID`: one project's state and audit trail, now or as of a past point.
enum ProjectCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "project",
        abstract: "Show a project's state and history, now or as of a seq or date.",
        options: [
            dataOption,
            .init(name: "as-of", value: "SEQ|DATE", help: "A seq, a date (YYYY-MM-DD: what was recorded by the end of that day, UTC) or an RFC 3339 instant."),
            .init(name: "effective", value: "DATE", help: "The business view at the end of DATE: events dated (occurredAt or their own date) on or before it, and undated ones."),
            .init(name: "format", value: "table|json", help: "table (default) or json."),
        ],
        positionals: [
            .init(name: "show", help: "The action; `show` is the only one.", optional: false),
            .init(name: "ID", help: "The project id, as in its stream project:ID.", optional: false),
        ])

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard arguments.positionals.count == 2, arguments.positionals[0] == "show" else {
            throw UsageError(command: spec.name, message: "expected `project show ID`")
        }
        let id = arguments.positionals[1]
        let format = try arguments.choice("format", command: spec.name, among: ["table", "json"], default: "table")
        let point = try PointInTimeOption.parse(arguments, command: spec.name)
        let store = try context.openStore(arguments, access: .readOnly)
        let position = try point.position(in: store)
        guard let project = try store.projectSnapshot(id, asOf: point) else {
            throw CommandFailure("no project \(id) as of seq \(position); list projects with `oda-ledger log --type ProjectProposed`")
        }
        if format == "json" {
            context.console.print(try project.jsonValue(position: position).canonicalString)
        } else {
            let label = if case let .effectiveOn(date) = point { "effective \(date), as known at seq \(position)" } else { "as of seq \(position)" }
            for line in try ProjectTable.lines(project, label: label) { context.console.print(line) }
        }
        return .success
    }
}

/// The human-readable form of a project snapshot.
enum ProjectTable {
    static func lines(_ p: ProjectSnapshot, label: String) throws -> [String] {
        func amounts(_ list: [Amount]) -> String { list.isEmpty ? "0" : list.map(\.description).joined(separator: " + ") }
        var out = [
            "project     \(p.projectId)  (\(label))",
            "title       \(p.title ?? "")",
            "status      \(p.status.rawValue)",
            "partner     \(p.partner ?? "")   implementing agency \(p.implementingAgency ?? "")",
            "dates       \(p.startDate ?? "?") – \(p.endDate ?? "?")   (planned \(p.plannedStart ?? "?") – \(p.plannedEnd ?? "?"))",
            "estimated   \(p.estimatedCost?.description ?? "")",
        ]
        if let authority = p.approvingAuthority {
            out.append("approved    by \(authority), \(p.approvalReference ?? ""), \(p.approvalDate ?? "")\(p.selfApproved ? " (self-approved)" : "")")
        }
        out.append("sectors     " + p.sectors.map { "\($0.code) \($0.percentage)%" }.joined(separator: ", "))
        out.append("provinces   " + p.provinces.map { "\($0.code) \($0.percentage)%" }.joined(separator: ", "))
        out.append("")
        out.append("budget lines")
        for line in p.budgetLines {
            out.append("  \(line.budgetLineId) \(line.periodStart)..\(line.periodEnd)  original \(line.original)  current \(line.current)"
                + "  revisions \(line.revisionCount)\(line.isLocked ? "  locked" : "")")
        }
        out.append("")
        out.append("budget        \(amounts(try p.budgetTotal()))")
        out.append("committed     \(amounts(try p.total(.commitment)))")
        out.append("disbursed     \(amounts(try p.total(.disbursement)))")
        out.append("spent         \(amounts(try p.total(.expenditure)))")
        out.append("counterpart   planned \(amounts(try p.total(.counterpartPlanned)))  actual \(amounts(try p.total(.counterpartActual)))")
        out.append("")
        out.append("history")
        for h in p.history {
            out.append("  \(h.seq)  \(h.recordedAt)  \(h.actor)  \(h.summary)\(h.decisionReference.map { "  [\($0)]" } ?? "")")
        }
        return out
    }
}
