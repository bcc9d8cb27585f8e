import CanonicalJSON
import EventLog
import SQLite

/// Keeps the ODA read model (`ProjectionTables`) in step with the ledger: projects, their
/// allocations, budget lines, agreements, transactions (with reversals applied), exchange rates,
/// organisations and each project's audit trail.
///
/// The same code serves the live tables (inside the append transaction), a rebuild (into shadow
/// tables) and point-in-time reads (into an in-memory database), so all three agree by
/// construction. A member that does not parse (an event recorded without validation) leaves the
/// row it would have changed as it was: the projection is a function of the log and never refuses
/// what the log holds.
public struct ProjectStateProjector: Projector {
    public static let name = "oda.project-state"
    public var name: String { Self.name }
    public var tableNames: [String] { ProjectionTables.names }

    public init() {}

    public func createTables(in database: ProjectionDatabase, prefix: String) throws {
        try database.executeScript(ProjectionTables.createStatements(prefix: prefix))
    }

    public func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        for event in events { try apply(event.envelope, database, prefix) }
    }

    private func apply(_ e: EventEnvelope, _ db: ProjectionDatabase, _ p: String) throws {
        let payload = e.payload
        func text(_ key: String) -> SQLValue { payload[key]?.stringValue.map(SQLValue.text) ?? .null }
        func amount(_ key: String) -> Amount? { payload[key].flatMap { try? Amount(json: $0) } }

        if e.type == "ExchangeRateRecorded", let rate = try? ExchangeRate(recorded: payload) {
            try db.execute("INSERT OR REPLACE INTO \(p)proj_exchange_rates VALUES (?1, ?2, ?3, ?4, ?5, ?6)", [
                .text(rate.base.code), .text(rate.quote.code), text("effectiveDate"), .integer(e.seq), .text(rate.rateText),
                text("source"),
            ])
            return
        }
        if e.type == "OrganisationRegistered" {
            try db.execute("INSERT OR REPLACE INTO \(p)proj_organisations VALUES (?1, ?2, ?3)",
                           [text("organisationId"), text("name"), text("organisationType")])
            return
        }
        guard e.stream.hasPrefix("project:") else { return }
        let project = SQLValue.text(String(e.stream.dropFirst("project:".count)))
        let seq = SQLValue.integer(e.seq)
        let projects = "\(p)proj_projects"

        switch e.type {
        case "ProjectProposed":
            let cost = amount("estimatedCost")
            try db.execute("""
                INSERT OR REPLACE INTO \(projects) (project_id, title, partner, implementing_agency, sector_working_group,
                  status, planned_start, planned_end, start_date, end_date, estimated_cost, estimated_currency, last_seq)
                VALUES (?1, ?2, ?3, ?4, ?5, 'proposed', ?6, ?7, ?6, ?7, ?8, ?9, ?10)
                """, [project, text("title"), text("developmentPartner"), text("implementingAgency"), text("sectorWorkingGroup"),
                      text("plannedStartDate"), text("plannedEndDate"), cost.map { .text($0.canonicalText) } ?? .null,
                      cost.map { .text($0.currency.code) } ?? .null, seq])
        case "ProjectApproved":
            let selfApproved: Int64 = payload["selfApproved"] == .bool(true) ? 1 : 0
            try db.execute("""
                UPDATE \(projects) SET status = 'approved', approving_authority = ?2, approval_reference = ?3,
                  approval_date = ?4, self_approved = ?5, last_seq = ?6 WHERE project_id = ?1
                """, [project, text("approvingAuthority"), text("approvalReference"), text("approvalDate"),
                      .integer(selfApproved), seq])
        case "ProjectStatusChanged":
            if let to = payload["to"]?.stringValue.flatMap(ProjectStatus.init(rawValue:)) {
                try db.execute("UPDATE \(projects) SET status = ?2, last_seq = ?3 WHERE project_id = ?1",
                               [project, .text(to.rawValue), seq])
            }
        case "ProjectDatesRevised":
            try db.execute("UPDATE \(projects) SET start_date = ?2, end_date = ?3, last_seq = ?4 WHERE project_id = ?1",
                           [project, text("startDate"), text("endDate"), seq])
        case "SectorAllocationRevised", "LocationAllocationRevised":
            let kind = e.type == "SectorAllocationRevised" ? "sector" : "province"
            let codeKey = kind == "sector" ? "sector" : "province"
            let rows: [(String, Percentage)] = (payload["allocations"]?.arrayValue ?? []).compactMap { item in
                guard let code = item.objectValue?[codeKey]?.stringValue,
                      let share = item.objectValue?["percentage"]?.stringValue.flatMap({ try? Percentage($0) }) else { return nil }
                return (code, share)
            }
            guard !rows.isEmpty else { break }
            try db.execute("DELETE FROM \(p)proj_allocations WHERE project_id = ?1 AND kind = ?2", [project, .text(kind)])
            for (code, share) in rows {
                try db.execute("INSERT OR REPLACE INTO \(p)proj_allocations VALUES (?1, ?2, ?3, ?4)",
                               [project, .text(kind), .text(code), .text(share.description)])
            }
            try db.execute("UPDATE \(projects) SET last_seq = ?2 WHERE project_id = ?1", [project, seq])
        case "FinancingAgreementSigned":
            guard let value = amount("amount") else { break }
            try db.execute("INSERT OR REPLACE INTO \(p)proj_agreements VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)", [
                project, text("agreementId"), text("developmentPartner"), text("instrument"), text("signedDate"),
                .text(value.canonicalText), .text(value.currency.code),
            ])
        case "FinancingAgreementAmended":
            guard let value = amount("newAmount") else { break }
            try db.execute("""
                UPDATE \(p)proj_agreements SET amount = ?3, currency = ?4, amendments = amendments + 1
                WHERE project_id = ?1 AND agreement_id = ?2
                """, [project, text("agreementId"), .text(value.canonicalText), .text(value.currency.code)])
        case "AnnualBudgetPlanned":
            guard let value = amount("amount") else { break }
            try db.execute("INSERT OR REPLACE INTO \(p)proj_budget_lines VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 0, 0, NULL)", [
                project, text("budgetLineId"), text("periodStart"), text("periodEnd"), text("description"),
                .text(value.currency.code), .text(value.canonicalText),
            ])
        case "AnnualBudgetRevised":
            guard let value = amount("newAmount") else { break }
            try db.execute("""
                UPDATE \(p)proj_budget_lines SET current = ?4, revisions = revisions + 1, last_decision_reference = ?5
                WHERE project_id = ?1 AND budget_line_id = ?2 AND period_start = ?3 AND currency = ?6
                """, [project, text("budgetLineId"), text("periodStart"), .text(value.canonicalText), text("decisionReference"),
                      .text(value.currency.code)])
        case "BudgetPeriodLocked", "BudgetReopenApproved":
            try db.execute("""
                UPDATE \(p)proj_budget_lines SET locked = ?4 WHERE project_id = ?1 AND budget_line_id = ?2 AND period_start = ?3
                """, [project, text("budgetLineId"), text("periodStart"), .integer(e.type == "BudgetPeriodLocked" ? 1 : 0)])
        case "CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded":
            guard let value = amount("amount"), let kind = TransactionKind(eventType: e.type, payload: payload) else { break }
            let date = payload["date"]?.stringValue
            let year = date.flatMap(CalendarDate.init).map { Int64($0.year) } ?? payload["fiscalYear"]?.integerValue
            let counterparty = payload["provider"]?.stringValue ?? payload["payee"]?.stringValue
            try db.execute("INSERT OR REPLACE INTO \(p)proj_transactions VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)", [
                seq, project, text("transactionId"), .text(kind.rawValue), date.sqlValue, year.map(SQLValue.integer) ?? .null,
                .text(value.canonicalText), .text(value.currency.code), counterparty.sqlValue,
            ])
        case "TransactionReversed":
            if let reversed = payload["reversedSeq"]?.integerValue {
                try db.execute("UPDATE \(p)proj_transactions SET reversed_by = ?3 WHERE seq = ?1 AND project_id = ?2",
                               [.integer(reversed), project, seq])
            }
        default:
            break
        }
        try db.execute("INSERT OR REPLACE INTO \(p)proj_history VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", [
            seq, project, .text(e.type), .text(e.actor.id), e.actor.role.sqlValue, .text(e.recordedAt.rfc3339),
            e.occurredAt.sqlValue, AuditEntry.decisionReference(in: payload).sqlValue,
            .text(AuditEntry.summary(type: e.type, payload: payload)),
        ])
    }
}

/// What a transaction row counts towards.
public enum TransactionKind: String, Sendable, CaseIterable {
    case commitment, disbursement, expenditure
    case counterpartPlanned = "counterpart_planned"
    case counterpartActual = "counterpart_actual"

    init?(eventType: String, payload: JSONObject) {
        switch eventType {
        case "CommitmentRecorded": self = .commitment
        case "DisbursementRecorded": self = .disbursement
        case "ExpenditureRecorded": self = .expenditure
        case "CounterpartContributionRecorded":
            switch payload["kind"]?.stringValue {
            case "planned": self = .counterpartPlanned
            case "actual": self = .counterpartActual
            default: return nil
            }
        default: return nil
        }
    }
}
