import EventLog
import Foundation
import Import
import ODA

/// `oda-ledger import iati FILE.xml` / `import csv FILE.csv`: a development partner's IATI file (with
/// its provenance) or the government's own transactions, as one validated all-or-nothing append. Mapping rules: Schemas/import.md.
enum ImportCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "import",
        abstract: "Import a partner's IATI activity file (2.01–2.03) or government transactions from CSV as ODA events.",
        options: [
            dataOption,
            .init(name: "actor", value: "ID", help: "Who is recording (default: importer:<operating-system user>; back-dating is not flagged for importer: accounts)."),
        ],
        positionals: [
            .init(name: "KIND", help: "iati or csv.", optional: false),
            .init(name: "FILE", help: "The file to import.", optional: false),
        ],
        discussion: """
            iati: each iati-activity becomes its own project (project:<iati-identifier>; outputs are not added to
            their parent) with ProjectProposed (not approved: IATI publication is not the Government's approval),
            budgets (AnnualBudgetPlanned / AnnualBudgetRevised), transactions (types 2 and 11 → CommitmentRecorded,
            1 and 3 → DisbursementRecorded, 4 → ExpenditureRecorded; other types are reported and skipped), DAC
            sectors and the provinces its locations name; organisations new to the ledger are registered
            (OrganisationRegistered, with their IATI type); a DPDataImported event on org:<reporting-org> records the
            file's SHA-256 and IATI version. Every problem is reported as FILE:LINE: <element> rule, and then nothing
            is appended. Importing the same file again appends nothing; a newer version appends only budget
            revisions, new transactions and reversals of transactions it no longer holds.

            csv: one commitment, disbursement or expenditure per row on a project already in the ledger; a header
            row names the columns (any order; unknown names are refused):\n
            """ + CSVImporter.columns.map { "  \($0.name): \($0.help)" }.joined(separator: "\n") + """
            \nA row whose project_id and transaction_id are already recorded with the same content is skipped, so
            importing the same file again appends nothing; with other content it is an error (reverse, do not edit).
            Every event of an import carries the correlation id import:<sha256 of the file>.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let kind = arguments.positionals[0]
        let file = arguments.positionals[1]
        guard kind == "iati" || kind == "csv" else {
            throw UsageError(command: spec.name, message: "KIND must be iati or csv, not \(kind)")
        }
        let actor = try Actor(id: arguments["actor"] ?? AppendCommand.defaultActorID().replacingOccurrences(of: "local:", with: "importer:"))
        let store = try context.openStoreForAppending(arguments)
        let policy = ValidationPolicy(allowsSelfApproval: try LedgerConfig.load(context.dataDirectory(arguments)).allowsSelfApproval)
        let result: ImportResult
        do {
            let validator = EventValidator(policy: policy)
            result = kind == "iati"
                ? try IATIImporter.importFile(at: file, into: store, actor: actor, validator: validator)
                : try CSVImporter.importFile(at: file, into: store, actor: actor, validator: validator)
        } catch let error as ImportError {
            throw CommandFailure(error.description)
        }
        for note in result.skipped { context.console.error("note: \(note)") }
        context.console.print("\(file): \(result.appended) events appended, \(result.alreadyRecorded) already recorded, "
            + "\(result.skipped.count) skipped (sha256 \(result.fileSha256))")
        return .success
    }
}
