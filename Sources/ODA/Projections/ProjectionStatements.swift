/// The SQL the projector runs, spelled once per table prefix (live tables, `shadow_` during a
/// rebuild) instead of once per event, so the hot path neither builds strings nor hashes a fresh
/// one: each text is the key of the connection's prepared-statement cache.
///
/// The table that gains one row per transaction event (`proj_transactions`) also has a
/// multi-row form, `rowsPerInsert` rows per statement, which `ProjectionBatch` uses to write a
/// batch with a fraction of the statement executions.
struct ProjectionStatements: Sendable {
    /// Rows per multi-row insert: 64 × 10 bound values stays far below SQLite's variable limit.
    static let rowsPerInsert = 64
    static let transactionColumns = 10

    let exchangeRate: String
    let organisation: String
    let propose: String
    let approve: String
    let changeStatus: String
    let reviseDates: String
    let touchProject: String
    let clearAllocations: String
    let allocation: String
    let signAgreement: String
    let amendAgreement: String
    let planBudget: String
    let reviseBudget: String
    let lockBudget: String
    let reverse: String
    let transaction: String
    let transactionRows: String
    /// The multi-row insert of 2^i rows at index i (1, 2, 4 … `rowsPerInsert` rows), so the end of
    /// a batch is written in at most one execution per power of two instead of one per row.
    let transactionRowsByPower: [String]

    init(prefix p: String) {
        func rows(_ columns: Int, _ count: Int) -> String {
            (0..<count).map { row in
                "(" + (1...columns).map { "?\(row * columns + $0)" }.joined(separator: ", ") + ")"
            }.joined(separator: ", ")
        }
        exchangeRate = "INSERT OR REPLACE INTO \(p)proj_exchange_rates VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        organisation = "INSERT OR REPLACE INTO \(p)proj_organisations VALUES (?1, ?2, ?3)"
        propose = """
            INSERT OR REPLACE INTO \(p)proj_projects (project_id, title, partner, implementing_agency, sector_working_group,
              status, planned_start, planned_end, start_date, end_date, estimated_cost, estimated_currency, proposed_by, last_seq)
            VALUES (?1, ?2, ?3, ?4, ?5, 'proposed', ?6, ?7, ?6, ?7, ?8, ?9, ?10, ?11)
            """
        approve = """
            UPDATE \(p)proj_projects SET status = 'approved', approving_authority = ?2, approval_reference = ?3,
              approval_date = ?4, self_approved = ?5, last_seq = ?6 WHERE project_id = ?1
            """
        changeStatus = "UPDATE \(p)proj_projects SET status = ?2, last_seq = ?3 WHERE project_id = ?1"
        reviseDates = "UPDATE \(p)proj_projects SET start_date = ?2, end_date = ?3, last_seq = ?4 WHERE project_id = ?1"
        touchProject = "UPDATE \(p)proj_projects SET last_seq = ?2 WHERE project_id = ?1"
        clearAllocations = "DELETE FROM \(p)proj_allocations WHERE project_id = ?1 AND kind = ?2"
        allocation = "INSERT OR REPLACE INTO \(p)proj_allocations VALUES (?1, ?2, ?3, ?4)"
        signAgreement = "INSERT OR REPLACE INTO \(p)proj_agreements VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)"
        amendAgreement = """
            UPDATE \(p)proj_agreements SET amount = ?3, currency = ?4, amendments = amendments + 1
            WHERE project_id = ?1 AND agreement_id = ?2
            """
        planBudget = "INSERT OR REPLACE INTO \(p)proj_budget_lines VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 0, 0, NULL)"
        reviseBudget = """
            UPDATE \(p)proj_budget_lines SET current = ?4, revisions = revisions + 1, last_decision_reference = ?5
            WHERE project_id = ?1 AND budget_line_id = ?2 AND period_start = ?3 AND currency = ?6
            """
        lockBudget = "UPDATE \(p)proj_budget_lines SET locked = ?4 WHERE project_id = ?1 AND budget_line_id = ?2 AND period_start = ?3"
        reverse = "UPDATE \(p)proj_transactions SET reversed_by = ?3 WHERE seq = ?1 AND project_id = ?2"
        transaction = "INSERT OR REPLACE INTO \(p)proj_transactions VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        transactionRows = "INSERT OR REPLACE INTO \(p)proj_transactions VALUES " + rows(Self.transactionColumns, Self.rowsPerInsert)
        transactionRowsByPower = sequence(first: 1, next: { $0 < Self.rowsPerInsert ? $0 * 2 : nil }).map { count in
            "INSERT OR REPLACE INTO \(p)proj_transactions VALUES " + rows(Self.transactionColumns, count)
        }
    }

    static let live = ProjectionStatements(prefix: "")
    static let shadow = ProjectionStatements(prefix: "shadow_")

    static func forPrefix(_ prefix: String) -> ProjectionStatements {
        switch prefix {
        case "": live
        case "shadow_": shadow
        default: ProjectionStatements(prefix: prefix)
        }
    }
}
