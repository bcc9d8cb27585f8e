import CanonicalJSON
import EventLog

/// `oda-ledger verify`: recompute every hash and check the whole chain.
enum VerifyCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "verify",
        abstract: "Check every hash, the chain, stream versions and index columns; report every finding.",
        options: [dataOption, .init(name: "json", value: nil, help: "Print the report as JSON.")],
        discussion: """
            Exit 0 when intact, 1 when there is any integrity finding, 2 for usage or I/O errors.
            The chain alone cannot reveal a cut tail or a wholesale recomputation: see SECURITY.md.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let store = try context.openStore(arguments, access: .readOnly)
        let console = context.console
        let report = try ChainVerifier(store: store).verify { done, total in
            console.progress("verifying", done: done, total: total)
        }
        if arguments.flag("json") {
            var object = JSONObject()
            object["intact"] = .bool(report.isIntact)
            object["rowsChecked"] = .integer(report.rowsChecked)
            object["head"] = ["seq": .integer(report.head.seq), "hash": .string(report.head.hash.hex)]
            object["totalFindings"] = .integer(Int64(report.totalFindings))
            object["findings"] = .array(report.findings.map { finding in
                ["seq": .integer(finding.seq), "kind": .string(finding.kind.rawValue), "detail": .string(finding.detail)]
            })
            console.print(JSONValue.object(object).canonicalString)
        } else if report.isIntact {
            console.print("intact: \(report.rowsChecked) events verified; head seq \(report.head.seq) hash \(report.head.hash.hex)")
        } else {
            console.print("NOT INTACT: \(report.totalFindings) finding(s) in \(report.rowsChecked) stored rows")
            for finding in report.findings { console.print("  \(finding)") }
            if report.totalFindings > report.findings.count {
                console.print("  … and \(report.totalFindings - report.findings.count) more")
            }
        }
        return report.isIntact ? .success : .integrityFinding
    }
}
