import EventLog
import SQLite

/// Reads the projection tables (live, shadow or in-memory) into domain values.
enum ProjectionReader {
    static func project(_ id: String, in db: ProjectionDatabase, prefix p: String = "") throws -> ProjectSnapshot? {
        let key: [SQLValue] = [.text(id)]
        var row: [SQLValue]?
        try db.query("""
            SELECT title, partner, implementing_agency, sector_working_group, status, planned_start, planned_end, start_date,
              end_date, estimated_cost, estimated_currency, approving_authority, approval_reference, approval_date,
              self_approved, last_seq FROM \(p)proj_projects WHERE project_id = ?1
            """, key) { statement in row = (0..<16).map { statement.value(at: Int32($0)) } }
        guard let row else { return nil }
        func text(_ i: Int) -> String? { if case let .text(t) = row[i] { return t }; return nil }
        func int(_ i: Int) -> Int64? { if case let .integer(n) = row[i] { return n }; return nil }

        var sectors: [AllocationShare] = []
        var provinces: [AllocationShare] = []
        try db.query("SELECT kind, code, percentage FROM \(p)proj_allocations WHERE project_id = ?1 ORDER BY kind, code", key) { s in
            let share = AllocationShare(code: s.text(at: 1), percentage: try Percentage(s.text(at: 2)))
            if s.text(at: 0) == "sector" { sectors.append(share) } else { provinces.append(share) }
        }
        var lines: [BudgetLine] = []
        try db.query("""
            SELECT budget_line_id, period_start, period_end, description, currency, original, current, revisions, locked,
              last_decision_reference FROM \(p)proj_budget_lines WHERE project_id = ?1 ORDER BY budget_line_id, period_start
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
            FROM \(p)proj_agreements WHERE project_id = ?1 ORDER BY agreement_id
            """, key) { s in
            agreements.append(FinancingAgreement(
                agreementId: s.text(at: 0), partner: s.optionalText(at: 1), instrument: s.optionalText(at: 2),
                signedDate: s.optionalText(at: 3), amount: try Amount(s.text(at: 4), currency: s.text(at: 5)),
                amendmentCount: Int(s.int64(at: 6))))
        }
        var transactions: [ProjectTransaction] = []
        try db.query("""
            SELECT seq, transaction_id, kind, date, fiscal_year, amount, currency, counterparty, reversed_by
            FROM \(p)proj_transactions WHERE project_id = ?1 ORDER BY seq
            """, key) { s in
            guard let kind = TransactionKind(rawValue: s.text(at: 2)) else { return }
            transactions.append(ProjectTransaction(
                seq: s.int64(at: 0), transactionId: s.optionalText(at: 1), kind: kind, date: s.optionalText(at: 3),
                fiscalYear: s.optionalInt64(at: 4), amount: try Amount(s.text(at: 5), currency: s.text(at: 6)),
                counterparty: s.optionalText(at: 7), reversedBy: s.optionalInt64(at: 8)))
        }
        var history: [AuditEntry] = []
        try db.query("""
            SELECT seq, type, actor, actor_role, recorded_at, occurred_at, decision_reference, summary
            FROM \(p)proj_history WHERE project_id = ?1 ORDER BY seq
            """, key) { s in
            history.append(AuditEntry(
                seq: s.int64(at: 0), type: s.text(at: 1), actor: s.text(at: 2), actorRole: s.optionalText(at: 3),
                recordedAt: s.text(at: 4), occurredAt: s.optionalText(at: 5), decisionReference: s.optionalText(at: 6),
                summary: s.text(at: 7)))
        }
        let cost: Amount? = if let amount = text(9), let currency = text(10) { try Amount(amount, currency: currency) } else { nil }
        return ProjectSnapshot(
            projectId: id, title: text(0), partner: text(1), implementingAgency: text(2), sectorWorkingGroup: text(3),
            status: text(4).flatMap(ProjectStatus.init(rawValue:)) ?? .proposed, plannedStart: text(5), plannedEnd: text(6), startDate: text(7), endDate: text(8),
            estimatedCost: cost, approvingAuthority: text(11), approvalReference: text(12), approvalDate: text(13),
            selfApproved: int(14) == 1, lastSeq: int(15) ?? 0, sectors: sectors, provinces: provinces, budgetLines: lines,
            agreements: agreements, transactions: transactions, history: history)
    }
}
