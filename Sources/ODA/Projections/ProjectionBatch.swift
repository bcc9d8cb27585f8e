import CanonicalJSON
import EventLog
import SQLite

/// Applies one batch of recorded events to the projection tables.
///
/// The one-row-per-event tables (`proj_history`, `proj_transactions`) are collected and written
/// in multi-row inserts of `ProjectionStatements.rowsPerInsert` rows (the rest by `flush()`, one
/// row at a time); everything else
/// is written as it comes, through statements prepared once per connection. Pending transaction
/// rows are flushed before the only statement that reads them back (a reversal's `UPDATE`), so
/// the result is exactly that of applying the events one by one, in `seq` order.
struct ProjectionBatch {
    let database: ProjectionDatabase
    let sql: ProjectionStatements
    private var history: [SQLValue] = []
    private var transactions: [SQLValue] = []
    /// `recordedAt` is shared by every event of an append: formatted once per run of equal values.
    private var lastRecordedAt: Timestamp?
    private var lastRecordedAtText: SQLValue = .null
    /// Consecutive events mostly share a project: its id is cut from the stream name once per run.
    private var lastStream = ""
    private var lastProject: SQLValue = .null

    init(database: ProjectionDatabase, sql: ProjectionStatements, capacity: Int) {
        self.database = database
        self.sql = sql
        history.reserveCapacity(min(capacity, ProjectionStatements.rowsPerInsert) * ProjectionStatements.historyColumns)
        transactions.reserveCapacity(min(capacity, ProjectionStatements.rowsPerInsert) * ProjectionStatements.transactionColumns)
    }

    /// Writes the pending rows.
    mutating func flush() throws {
        try Self.write(&history, columns: ProjectionStatements.historyColumns, single: sql.history, many: sql.historyRows, database)
        try flushTransactions()
    }

    private mutating func flushTransactions() throws {
        try Self.write(&transactions, columns: ProjectionStatements.transactionColumns, single: sql.transaction,
                       many: sql.transactionRows, database)
    }

    /// Writes a full multi-row chunk as soon as one has been collected, so the buffer is handed
    /// to SQLite as it is, without copying.
    private mutating func writeFullChunks() throws {
        if history.count == ProjectionStatements.rowsPerInsert * ProjectionStatements.historyColumns {
            try database.execute(sql.historyRows, history)
            history.removeAll(keepingCapacity: true)
        }
        if transactions.count == ProjectionStatements.rowsPerInsert * ProjectionStatements.transactionColumns {
            try database.execute(sql.transactionRows, transactions)
            transactions.removeAll(keepingCapacity: true)
        }
    }

    /// Writes what remains (fewer rows than a chunk) one row at a time.
    private static func write(_ values: inout [SQLValue], columns: Int, single: String, many: String,
                              _ database: ProjectionDatabase) throws {
        guard !values.isEmpty else { return }
        if values.count == ProjectionStatements.rowsPerInsert * columns {
            try database.execute(many, values)
        } else {
            for start in stride(from: 0, to: values.count, by: columns) {
                try database.execute(single, Array(values[start..<(start + columns)]))
            }
        }
        values.removeAll(keepingCapacity: true)
    }

    mutating func apply(_ e: EventEnvelope) throws {
        let payload = e.payload
        func text(_ key: String) -> SQLValue {
            if case let .string(s)? = payload[key] { return .text(s) }
            return .null
        }
        func amount(_ key: String) -> Amount? { payload[key].flatMap { try? Amount(json: $0) } }

        if e.type == "ExchangeRateRecorded" {
            guard let rate = try? ExchangeRate(recorded: payload) else { return }
            try database.execute(sql.exchangeRate, [
                .text(rate.base.code), .text(rate.quote.code), text("effectiveDate"), .integer(e.seq), .text(rate.rateText),
                text("source"),
            ])
            return
        }
        if e.type == "OrganisationRegistered" {
            try database.execute(sql.organisation, [text("organisationId"), text("name"), text("organisationType")])
            return
        }
        let project: SQLValue
        if e.stream == lastStream {
            project = lastProject
        } else {
            guard e.stream.hasPrefix("project:") else { return }
            project = .text(String(e.stream.dropFirst("project:".count)))
            lastStream = e.stream
            lastProject = project
        }
        let seq = SQLValue.integer(e.seq)
        var summary: String?

        switch e.type {
        case "CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded":
            // The hot case: one row buffered, and the audit summary built from the amount parsed here.
            guard let value = amount("amount"), let kind = TransactionKind(eventType: e.type, payload: payload) else { break }
            let date = payload["date"]?.stringValue
            let year = date.flatMap(CalendarDate.init).map { Int64($0.year) } ?? payload["fiscalYear"]?.integerValue
            let counterparty = payload["provider"]?.stringValue ?? payload["payee"]?.stringValue
            let amountText = value.canonicalText
            transactions.append(seq)
            transactions.append(project)
            transactions.append(text("transactionId"))
            transactions.append(.text(kind.rawValue))
            transactions.append(date.sqlValue)
            transactions.append(year.map(SQLValue.integer) ?? .null)
            transactions.append(.text(amountText))
            transactions.append(.text(value.currency.code))
            transactions.append(counterparty.sqlValue)
            transactions.append(.null)
            summary = AuditEntry.transactionSummary(type: e.type, payload: payload, amount: amountText + " " + value.currency.code)
        case "ProjectProposed":
            let cost = amount("estimatedCost")
            try database.execute(sql.propose, [
                project, text("title"), text("developmentPartner"), text("implementingAgency"), text("sectorWorkingGroup"),
                text("plannedStartDate"), text("plannedEndDate"), cost.map { .text($0.canonicalText) } ?? .null,
                cost.map { .text($0.currency.code) } ?? .null, .text(e.actor.id), seq,
            ])
        case "ProjectApproved":
            let selfApproved: Int64 = payload["selfApproved"] == .bool(true) ? 1 : 0
            try database.execute(sql.approve, [project, text("approvingAuthority"), text("approvalReference"),
                                               text("approvalDate"), .integer(selfApproved), seq])
        case "ProjectStatusChanged":
            if let to = payload["to"]?.stringValue.flatMap(ProjectStatus.init(rawValue:)) {
                try database.execute(sql.changeStatus, [project, .text(to.rawValue), seq])
            }
        case "ProjectDatesRevised":
            try database.execute(sql.reviseDates, [project, text("startDate"), text("endDate"), seq])
        case "SectorAllocationRevised", "LocationAllocationRevised":
            let kind = e.type == "SectorAllocationRevised" ? "sector" : "province"
            let rows: [(String, Percentage)] = (payload["allocations"]?.arrayValue ?? []).compactMap { item in
                guard let code = item.objectValue?[kind]?.stringValue,
                      let share = item.objectValue?["percentage"]?.stringValue.flatMap({ try? Percentage($0) }) else { return nil }
                return (code, share)
            }
            guard !rows.isEmpty else { break }
            try database.execute(sql.clearAllocations, [project, .text(kind)])
            for (code, share) in rows {
                try database.execute(sql.allocation, [project, .text(kind), .text(code), .text(share.description)])
            }
            try database.execute(sql.touchProject, [project, seq])
        case "FinancingAgreementSigned":
            guard let value = amount("amount") else { break }
            try database.execute(sql.signAgreement, [
                project, text("agreementId"), text("developmentPartner"), text("instrument"), text("signedDate"),
                .text(value.canonicalText), .text(value.currency.code),
            ])
        case "FinancingAgreementAmended":
            guard let value = amount("newAmount") else { break }
            try database.execute(sql.amendAgreement, [project, text("agreementId"), .text(value.canonicalText), .text(value.currency.code)])
        case "AnnualBudgetPlanned":
            guard let value = amount("amount") else { break }
            try database.execute(sql.planBudget, [
                project, text("budgetLineId"), text("periodStart"), text("periodEnd"), text("description"),
                .text(value.currency.code), .text(value.canonicalText),
            ])
        case "AnnualBudgetRevised":
            guard let value = amount("newAmount") else { break }
            try database.execute(sql.reviseBudget, [project, text("budgetLineId"), text("periodStart"), .text(value.canonicalText),
                                                    text("decisionReference"), .text(value.currency.code)])
        case "BudgetPeriodLocked", "BudgetReopenApproved":
            try database.execute(sql.lockBudget, [project, text("budgetLineId"), text("periodStart"),
                                                  .integer(e.type == "BudgetPeriodLocked" ? 1 : 0)])
        case "TransactionReversed":
            if let reversed = payload["reversedSeq"]?.integerValue {
                try flushTransactions()
                try database.execute(sql.reverse, [.integer(reversed), project, seq])
            }
        default:
            break
        }
        if lastRecordedAt != e.recordedAt {
            lastRecordedAt = e.recordedAt
            lastRecordedAtText = .text(e.recordedAt.rfc3339)
        }
        history.append(seq)
        history.append(project)
        history.append(.text(e.type))
        history.append(.text(e.actor.id))
        history.append(e.actor.role.sqlValue)
        history.append(lastRecordedAtText)
        history.append(e.occurredAt.sqlValue)
        history.append(AuditEntry.decisionReference(in: payload).sqlValue)
        history.append(.text(summary ?? AuditEntry.summary(type: e.type, payload: payload)))
        try writeFullChunks()
    }
}
