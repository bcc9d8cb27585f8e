import EventLog
import SQLite

/// Reads the projection tables (live, or an in-memory replay) into domain values.
enum ProjectionReader {
    /// One project from the live tables of a ledger file whose projection has reached the head.
    ///
    /// `proj_transactions` is keyed by `seq`, so the project's rows are found through its stream:
    /// the ledger's `events_by_stream` index lists the stream's seqs in order and each is one
    /// primary-key lookup (a project's events are exactly those of `project:ID`). The audit trail
    /// is derived from the same events' stored bytes. Cost: O(the project's events), whatever
    /// the size of the ledger.
    static func project(_ id: String, in db: ProjectionDatabase) throws -> ProjectSnapshot? {
        let stream: [SQLValue] = [.text("project:" + id), .text(id)]
        return try project(id, in: db, transactions: (transactionsOfStream, stream)) {
            var history: [AuditEntry] = []
            var scan = StoredEventScan()
            try db.query(eventsOfStream, [stream[0]]) { row in
                let event = StoredEventBytes(seq: row.int64(at: 0), canonicalBytes: row.blob(at: 1))
                if let entry = try AuditEntry.derived(from: event, scan: &scan) {
                    history.append(entry)
                }
            }
            return history
        }
    }

    /// The transactions of project `?2`, whose stream is `?1`, in `seq` order: the stream's seqs
    /// from `events_by_stream` (`CROSS JOIN` keeps that order of the loops), each looked up by
    /// the primary key of `proj_transactions`.
    static let transactionsOfStream = """
        SELECT t.seq, t.transaction_id, t.kind, t.date, t.fiscal_year, t.amount, t.currency, t.counterparty, t.reversed_by
        FROM events AS e CROSS JOIN proj_transactions AS t ON t.seq = e.seq
        WHERE e.stream_id = (SELECT id FROM streams WHERE name = ?1) AND t.project_id = ?2 ORDER BY e.stream_version
        """

    /// The stored bytes of stream `?1`'s events, in `seq` order.
    static let eventsOfStream = """
        SELECT seq, body FROM events WHERE stream_id = (SELECT id FROM streams WHERE name = ?1) ORDER BY stream_version
        """

    /// One project from tables that a replay of (at most) the project's own events filled, e.g.
    /// the in-memory database of a point-in-time read, which has no `events` table: the
    /// transactions are read by `project_id` (a scan of a table holding that project's rows), and
    /// the audit trail is the one the replay collected.
    static func project(_ id: String, replayedIn db: ProjectionDatabase, history: [AuditEntry]) throws -> ProjectSnapshot? {
        try project(id, in: db, transactions: ("""
            SELECT seq, transaction_id, kind, date, fiscal_year, amount, currency, counterparty, reversed_by
            FROM proj_transactions WHERE project_id = ?1 ORDER BY seq
            """, [.text(id)])) { history }
    }

    /// The rows keyed by project, the transactions `transactions` selects, and `history()`.
    private static func project(_ id: String, in db: ProjectionDatabase,
                                transactions transactionQuery: (sql: String, values: [SQLValue]),
                                history: () throws -> [AuditEntry]) throws -> ProjectSnapshot? {
        let key: [SQLValue] = [.text(id)]
        var row: [SQLValue]?
        try db.query("""
            SELECT title, partner, implementing_agency, sector_working_group, status, planned_start, planned_end, start_date,
              end_date, estimated_cost, estimated_currency, approving_authority, approval_reference, approval_date,
              self_approved, last_seq FROM proj_projects WHERE project_id = ?1
            """, key) { statement in row = (0..<16).map { statement.value(at: Int32($0)) } }
        guard let row else { return nil }
        func text(_ i: Int) -> String? { if case let .text(t) = row[i] { return t }; return nil }
        func int(_ i: Int) -> Int64? { if case let .integer(n) = row[i] { return n }; return nil }

        var sectors: [AllocationShare] = []
        var provinces: [AllocationShare] = []
        try db.query("SELECT kind, code, percentage FROM proj_allocations WHERE project_id = ?1 ORDER BY kind, code", key) { s in
            let share = AllocationShare(code: s.text(at: 1), percentage: try Percentage(s.text(at: 2)))
            if s.text(at: 0) == "sector" { sectors.append(share) } else { provinces.append(share) }
        }
        var lines: [BudgetLine] = []
        try db.query("""
            SELECT budget_line_id, period_start, period_end, description, currency, original, current, revisions, locked,
              last_decision_reference FROM proj_budget_lines WHERE project_id = ?1 ORDER BY budget_line_id, period_start
            """, key) { s in
            let currency = try CurrencyCode(s.text(at: 4))
            lines.append(BudgetLine(
                budgetLineId: s.text(at: 0), periodStart: s.text(at: 1), periodEnd: s.text(at: 2), description: s.optionalText(at: 3),
                original: try Amount(s.text(at: 5), currency), current: try Amount(s.text(at: 6), currency),
                revisionCount: Int(s.int64(at: 7)), isLocked: s.int64(at: 8) != 0, lastDecisionReference: s.optionalText(at: 9)))
        }
        var agreements: [FinancingAgreement] = []
        try db.query("""
            SELECT agreement_id, partner, instrument, signed_date, amount, currency, amendments
            FROM proj_agreements WHERE project_id = ?1 ORDER BY agreement_id
            """, key) { s in
            agreements.append(FinancingAgreement(
                agreementId: s.text(at: 0), partner: s.optionalText(at: 1), instrument: s.optionalText(at: 2),
                signedDate: s.optionalText(at: 3), amount: try Amount(s.text(at: 4), currency: s.text(at: 5)),
                amendmentCount: Int(s.int64(at: 6))))
        }
        var transactions: [ProjectTransaction] = []
        try db.query(transactionQuery.sql, transactionQuery.values) { s in
            guard let kind = TransactionKind(rawValue: s.text(at: 2)) else { return }
            transactions.append(ProjectTransaction(
                seq: s.int64(at: 0), transactionId: s.optionalText(at: 1), kind: kind, date: s.optionalText(at: 3),
                fiscalYear: s.optionalInt64(at: 4), amount: try Amount(s.text(at: 5), currency: s.text(at: 6)),
                counterparty: s.optionalText(at: 7), reversedBy: s.optionalInt64(at: 8)))
        }
        let history = try history()
        let cost: Amount? = if let amount = text(9), let currency = text(10) { try Amount(amount, currency: currency) } else { nil }
        return ProjectSnapshot(
            projectId: id, title: text(0), partner: text(1), implementingAgency: text(2), sectorWorkingGroup: text(3),
            status: text(4).flatMap(ProjectStatus.init(rawValue:)) ?? .proposed, plannedStart: text(5), plannedEnd: text(6), startDate: text(7), endDate: text(8),
            estimatedCost: cost, approvingAuthority: text(11), approvalReference: text(12), approvalDate: text(13),
            selfApproved: int(14) == 1, lastSeq: int(15) ?? 0, sectors: sectors, provinces: provinces, budgetLines: lines,
            agreements: agreements, transactions: transactions, history: history)
    }
}
