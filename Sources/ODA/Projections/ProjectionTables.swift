import EventLog
import SQLite

/// The SQLite tables of the ODA projection, one `CREATE` per table, all `WITHOUT ROWID` with a
/// primary key and no named index, so a rebuild can rename shadow tables over live ones.
///
/// Amounts are stored as `Amount.canonicalText` with their currency in a separate column and are
/// summed in Swift with `Amount` (exact), never by SQLite (which would use floating point).
enum ProjectionTables {
    static let projects = "proj_projects"
    static let organisations = "proj_organisations"
    static let allocations = "proj_allocations"
    static let budgetLines = "proj_budget_lines"
    static let agreements = "proj_agreements"
    static let transactions = "proj_transactions"
    static let exchangeRates = "proj_exchange_rates"
    static let history = "proj_history"

    /// Every table with its columns and primary key, in the order the digest lists them.
    static let definitions: [(name: String, columns: [String], key: [String])] = [
        (agreements, ["project_id", "agreement_id", "partner", "instrument", "signed_date", "amount", "currency", "amendments"],
         ["project_id", "agreement_id"]),
        (allocations, ["project_id", "kind", "code", "percentage"], ["project_id", "kind", "code"]),
        (budgetLines, ["project_id", "budget_line_id", "period_start", "period_end", "description", "currency", "original",
                       "current", "revisions", "locked", "last_decision_reference"],
         ["project_id", "budget_line_id", "period_start"]),
        (exchangeRates, ["base", "quote", "effective_date", "seq", "rate", "source"], ["base", "quote", "effective_date", "seq"]),
        (history, ["seq", "project_id", "type", "actor", "actor_role", "recorded_at", "occurred_at", "decision_reference", "summary"],
         ["project_id", "seq"]),
        (organisations, ["organisation_id", "name", "organisation_type"], ["organisation_id"]),
        (projects, ["project_id", "title", "partner", "implementing_agency", "sector_working_group", "status",
                    "planned_start", "planned_end", "start_date", "end_date", "estimated_cost", "estimated_currency",
                    "proposed_by", "approving_authority", "approval_reference", "approval_date", "self_approved", "last_seq"],
         ["project_id"]),
        (transactions, ["seq", "project_id", "transaction_id", "kind", "date", "fiscal_year", "amount", "currency",
                        "counterparty", "reversed_by"],
         ["project_id", "seq"]),
    ]

    static var names: [String] { definitions.map(\.name) }

    /// Integer columns; every other column is text (or NULL).
    static let integerColumns: Set<String> = ["amendments", "revisions", "locked", "seq", "fiscal_year", "self_approved",
                                              "last_seq", "reversed_by"]

    static func createStatements(prefix: String) -> String {
        definitions.map { table in
            let columns = table.columns.map { "\($0) \(integerColumns.contains($0) ? "INTEGER" : "TEXT")" }
            return "CREATE TABLE IF NOT EXISTS \(prefix)\(table.name) (\(columns.joined(separator: ", ")), "
                + "PRIMARY KEY (\(table.key.joined(separator: ", ")))) WITHOUT ROWID;"
        }.joined(separator: "\n")
    }

    /// Whether the tables under `prefix` were made by an earlier version: `proj_projects` without
    /// `proposed_by` (which the validator reads for the self-approval rule), or the per-event tables
    /// keyed by `seq` alone (every read of them is by project, so they are keyed by project first;
    /// keyed by `seq` alone each project read scanned the whole table).
    ///
    /// Read from the tables' `CREATE` text in `sqlite_schema` (an ordinary indexed table read) rather
    /// than through `pragma_table_info`, whose virtual table is rebuilt on every call: the validator
    /// asks this before each validated append.
    static func predatesCurrentSchema(in database: ProjectionDatabase, prefix: String) throws -> Bool {
        var definitions: [String: String] = [:]
        try database.query("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name IN (?1, ?2)",
                           [.text(prefix + projects), .text(prefix + history)]) { row in
            definitions[row.text(at: 0)] = row.optionalText(at: 1) ?? ""
        }
        guard let projectsTable = definitions[prefix + projects] else { return false }
        let historyKeyedByProject = definitions[prefix + history]?.contains("PRIMARY KEY (project_id, seq)") ?? false
        return !projectsTable.contains("proposed_by TEXT") || !historyKeyedByProject
    }
}
