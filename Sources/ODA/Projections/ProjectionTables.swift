import EventLog
import SQLite

/// The SQLite tables of the ODA projection, one `CREATE` per table, all `STRICT` (a value of the
/// wrong type fails the append instead of being stored) and `WITHOUT ROWID` with a primary key
/// and no named index, so a rebuild can rename shadow tables over live ones.
///
/// Amounts are stored as `Amount.canonicalText` with their currency in a separate column and are
/// summed in Swift with `Amount` (exact), never by SQLite (which would use floating point).
///
/// `proj_transactions` gains one row per transaction event and is keyed by `seq` alone: an append
/// lands at the right edge of its B-tree and dirties a handful of pages however many projects the
/// batch touches (keyed by project first, a 1,000-event batch over 200 projects dirtied some 200
/// pages). A project's rows are found through the ledger's own stream index instead
/// (`ProjectionReader`): the project's events are exactly those of its stream `project:ID`. The
/// audit trail is not stored at all: each line is a function of one event
/// (`AuditEntry.init?(_:recordedAt:)`), so a read derives it from the stream's events.
enum ProjectionTables {
    static let projects = "proj_projects"
    static let organisations = "proj_organisations"
    static let allocations = "proj_allocations"
    static let budgetLines = "proj_budget_lines"
    static let agreements = "proj_agreements"
    static let transactions = "proj_transactions"
    static let exchangeRates = "proj_exchange_rates"
    /// The stored audit trail of earlier versions, now derived from the events.
    static let retiredHistory = "proj_history"
    /// Tables earlier versions kept and this one no longer has: dropped when the projector is registered.
    static let retired = [retiredHistory]

    /// Every table with its columns and primary key, in the order the digest lists them.
    static let definitions: [(name: String, columns: [String], key: [String])] = [
        (agreements, ["project_id", "agreement_id", "partner", "instrument", "signed_date", "amount", "currency", "amendments"],
         ["project_id", "agreement_id"]),
        (allocations, ["project_id", "kind", "code", "percentage"], ["project_id", "kind", "code"]),
        (budgetLines, ["project_id", "budget_line_id", "period_start", "period_end", "description", "currency", "original",
                       "current", "revisions", "locked", "last_decision_reference"],
         ["project_id", "budget_line_id", "period_start"]),
        (exchangeRates, ["base", "quote", "effective_date", "seq", "rate", "source"], ["base", "quote", "effective_date", "seq"]),
        (organisations, ["organisation_id", "name", "organisation_type"], ["organisation_id"]),
        (projects, ["project_id", "title", "partner", "implementing_agency", "sector_working_group", "status",
                    "planned_start", "planned_end", "start_date", "end_date", "estimated_cost", "estimated_currency",
                    "proposed_by", "approving_authority", "approval_reference", "approval_date", "self_approved", "last_seq"],
         ["project_id"]),
        (transactions, ["seq", "project_id", "transaction_id", "kind", "date", "fiscal_year", "amount", "currency",
                        "counterparty", "reversed_by"],
         ["seq"]),
    ]

    static var names: [String] { definitions.map(\.name) }

    /// Integer columns; every other column is text (or NULL).
    static let integerColumns: Set<String> = ["amendments", "revisions", "locked", "seq", "fiscal_year", "self_approved",
                                              "last_seq", "reversed_by"]

    /// The end of every current table's `CREATE` text, which no earlier version wrote.
    static let tableOptions = "STRICT, WITHOUT ROWID"

    static func createStatements(prefix: String) -> String {
        definitions.map { table in
            let columns = table.columns.map { "\($0) \(integerColumns.contains($0) ? "INTEGER" : "TEXT")" }
            return "CREATE TABLE IF NOT EXISTS \(prefix)\(table.name) (\(columns.joined(separator: ", ")), "
                + "PRIMARY KEY (\(table.key.joined(separator: ", ")))) \(tableOptions);"
        }.joined(separator: "\n")
    }

    /// Whether the tables under `prefix` were made by an earlier version, whose rows the current
    /// code must not read: `proj_projects` without `proposed_by` (which the validator reads for the
    /// self-approval rule), a stored audit trail (`proj_history`, now derived from the events), or
    /// a `proj_transactions` not keyed by `seq` alone in a `STRICT` table (earlier layouts keyed
    /// it by `(project_id, seq)`, where a lookup by `seq` scans, or by `seq` in a non-strict table
    /// beside `proj_history`). False when there are no tables yet.
    ///
    /// Read from the tables' `CREATE` text in `sqlite_schema` (an ordinary indexed table read) rather
    /// than through `pragma_table_info`, whose virtual table is rebuilt on every call: the validator
    /// asks this before each validated append.
    static func predatesCurrentSchema(in database: ProjectionDatabase, prefix: String) throws -> Bool {
        var definitions: [String: String] = [:]
        try database.query("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name IN (?1, ?2, ?3)",
                           [.text(prefix + projects), .text(prefix + transactions), .text(prefix + retiredHistory)]) { row in
            definitions[row.text(at: 0)] = row.optionalText(at: 1) ?? ""
        }
        guard let projectsTable = definitions[prefix + projects] else { return false }
        let transactionsCurrent = definitions[prefix + transactions]?.contains("PRIMARY KEY (seq)) " + tableOptions) ?? false
        return !projectsTable.contains("proposed_by TEXT") || !transactionsCurrent || definitions[prefix + retiredHistory] != nil
    }
}
