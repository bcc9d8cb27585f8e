import CanonicalJSON
import EventLog
import SQLite

/// One event as the projector reads it: the envelope members it uses and the payload.
///
/// The live path fills it from a decoded `EventEnvelope`; a bulk rebuild fills it from the stored
/// bytes (`StoredEventScan`), for a transaction event with `transaction` read from the bytes and
/// an empty `payload`, so both run the same `ProjectionBatch.apply`.
struct ProjectedEvent: Sendable {
    let seq: Int64
    let stream: String
    let type: String
    let actorID: String
    let actorRole: String?
    /// `recordedAt` in its RFC 3339 form (`Timestamp.rfc3339`).
    let recordedAt: String
    let occurredAt: String?
    let payload: JSONObject
    /// A transaction event's type and members, when already read (`StoredEventScan`); nil means:
    /// work them out from `type` and `payload`.
    var transaction: (type: TransactionEventType, facts: TransactionFacts)? = nil
    /// `ProjectedEvent.projectID(ofStream: stream)`, when already known (`StoredEventScan` keeps
    /// it per stream); nil means: work it out from `stream`.
    var projectID: String? = nil

    /// The project a stream records (`project:<id>`), nil for any other stream.
    ///
    /// `hasPrefix` compares characters: a stream whose bytes start `project:` but continue with a
    /// combining mark (which joins the colon into one character) has no such prefix. When the byte
    /// after the colon is ASCII (or there is none), that cannot happen, and the id is cut from the
    /// bytes directly; every other stream takes `hasPrefix` and `dropFirst`, the reference.
    static func projectID(ofStream stream: String) -> String? {
        var name = stream
        let fast: String?? = name.withUTF8 { b in
            guard b.count >= projectPrefix.count, b.prefix(projectPrefix.count).elementsEqual(projectPrefix) else {
                return .some(nil)
            }
            guard b.count == projectPrefix.count || b[projectPrefix.count] < 0x80 else { return nil }
            return .some(String(decoding: UnsafeBufferPointer(rebasing: b[projectPrefix.count...]), as: UTF8.self))
        }
        if let fast { return fast }
        return stream.hasPrefix("project:") ? String(stream.dropFirst("project:".count)) : nil
    }

    private static let projectPrefix = Array("project:".utf8)
}

extension ProjectedEvent {
    init(_ e: EventEnvelope, recordedAt: String) {
        self.init(seq: e.seq, stream: e.stream, type: e.type, actorID: e.actor.id, actorRole: e.actor.role,
                  recordedAt: recordedAt, occurredAt: e.occurredAt, payload: e.payload)
    }
}

/// A `proj_transactions` row as the projector makes it (`reversedBy` set by a later reversal).
struct TransactionRow {
    let seq: Int64
    let project: String
    let transactionId: String?
    let kind: TransactionKind
    let date: String?
    let fiscalYear: Int64?
    let amount: String
    let currency: String
    let counterparty: String?
    var reversedBy: Int64?
}

extension TransactionRow {
    /// The row of transaction event `seq` of `project`, nil when its amount does not parse or its
    /// counterpart kind is not `planned` or `actual` (the event then changes no row). The one
    /// place a row is made from facts, whichever path read them.
    init?(seq: Int64, project: String, type: TransactionEventType, facts: TransactionFacts, years: inout FiscalYearCache) {
        guard let value = facts.amount, let kind = TransactionKind(eventType: type, counterpartKind: facts.kind) else { return nil }
        self.init(seq: seq, project: project, transactionId: facts.transactionId, kind: kind, date: facts.date,
                  fiscalYear: years.year(of: facts), amount: value.canonicalText, currency: value.currency.code,
                  counterparty: facts.counterparty, reversedBy: nil)
    }
}

/// `TransactionFacts.year`, with the year of a date repeated from the previous transaction reused:
/// consecutive transactions mostly share a date (compared by bytes, so only the very same text
/// reuses it).
struct FiscalYearCache {
    private var lastDate = ""
    private var lastDateYear: Int64?

    mutating func year(of facts: TransactionFacts) -> Int64? {
        guard let date = facts.date else { return facts.fiscalYear }
        if !date.hasSameBytes(as: lastDate) {
            lastDate = date
            lastDateYear = TransactionFacts.year(of: date)
        }
        return lastDateYear ?? facts.fiscalYear
    }
}

/// Where the one-row-per-event table goes: to SQL in multi-row inserts (`BufferedProjectionRows`,
/// in the append path and the bulk rebuild alike).
protocol ProjectionRows {
    mutating func add(_ row: TransactionRow) throws
    /// Marks the transaction `seq` of `project`, if there is one, as reversed by `reversal`
    /// (what `UPDATE proj_transactions SET reversed_by ... WHERE seq AND project_id` does).
    mutating func reverse(seq: Int64, project: String, by reversal: Int64) throws
}

/// Applies events to the projection tables: the rows that change in place (projects,
/// allocations, agreements, budget lines, exchange rates, organisations) through statements
/// prepared once per connection, the one-row-per-event rows (`proj_transactions`) through `rows`.
/// Every statement's texts are lent to SQLite for its execution (`StatementParameters`) instead
/// of copied by it.
/// The audit trail is not written: a read derives it from the events (`AuditEntry`).
struct ProjectionBatch<Rows: ProjectionRows> {
    let database: ProjectionDatabase
    let sql: ProjectionStatements
    var rows: Rows
    /// Consecutive events mostly share a project: its id is cut from the stream name once per run.
    private var lastStream: String?
    private var lastProject = ""
    private var years = FiscalYearCache()
    private var facts = TransactionFactsReader()
    /// The parameters of the statement being run, reused from one statement to the next.
    private var parameters = StatementParameters()

    init(database: ProjectionDatabase, sql: ProjectionStatements, rows: Rows) {
        self.database = database
        self.sql = sql
        self.rows = rows
    }

    /// The project of `e`'s stream, nil when it is not a project stream. Streams are compared by
    /// their bytes: two spellings `==` finds canonically equivalent are still two streams, as
    /// `StoredEventScan` (which keeps streams by their bytes) sees them.
    private mutating func projectID(of e: ProjectedEvent) -> String? {
        if let known = e.projectID { return known }
        if let lastStream, e.stream.hasSameBytes(as: lastStream) { return lastProject }
        guard let id = ProjectedEvent.projectID(ofStream: e.stream) else { return nil }
        lastStream = e.stream
        lastProject = id
        return id
    }

    /// The hot case, a commitment, disbursement, expenditure or counterpart contribution: its row
    /// made from `TransactionFacts`, whether a rebuild read them from the stored bytes or `apply`
    /// from the decoded payload (the audit trail derives its line from the same facts when read).
    private mutating func applyTransaction(_ e: ProjectedEvent, _ type: TransactionEventType, _ facts: TransactionFacts,
                                           project projectID: String) throws {
        if let row = TransactionRow(seq: e.seq, project: projectID, type: type, facts: facts, years: &years) {
            try rows.add(row)
        }
    }

    /// Runs `statement` with `values`, their texts lent to SQLite (`StatementParameters`) rather
    /// than copied by it.
    private mutating func run(_ statement: String, _ values: [SQLValue]) throws {
        parameters.removeAll()
        for value in values { parameters.append(value) }
        try database.statement(statement).execute(parameters)
    }

    mutating func apply(_ e: ProjectedEvent) throws {
        if let scanned = e.transaction {
            guard let projectID = projectID(of: e) else { return }
            try applyTransaction(e, scanned.type, scanned.facts, project: projectID)
            return
        }
        let payload = e.payload
        // Transaction events (most of any ledger) first: one type-name switch, one pass over the payload.
        if let type = TransactionEventType(e.type) {
            guard let projectID = projectID(of: e) else { return }
            try applyTransaction(e, type, TransactionFacts(payload: payload, reader: &facts), project: projectID)
            return
        }
        func text(_ key: String) -> SQLValue {
            if case let .string(s)? = payload[key] { return .text(s) }
            return .null
        }
        func amount(_ key: String) -> Amount? { payload[key].flatMap { try? Amount(json: $0) } }

        if e.type == "ExchangeRateRecorded" {
            guard let rate = try? ExchangeRate(recorded: payload) else { return }
            try run(sql.exchangeRate, [
                .text(rate.base.code), .text(rate.quote.code), text("effectiveDate"), .integer(e.seq), .text(rate.rateText),
                text("source"),
            ])
            return
        }
        if e.type == "OrganisationRegistered" {
            try run(sql.organisation, [text("organisationId"), text("name"), text("organisationType")])
            return
        }
        guard let projectID = projectID(of: e) else { return }
        let project = SQLValue.text(projectID)
        let seq = SQLValue.integer(e.seq)

        switch e.type {
        case "ProjectProposed":
            let cost = amount("estimatedCost")
            try run(sql.propose, [
                project, text("title"), text("developmentPartner"), text("implementingAgency"), text("sectorWorkingGroup"),
                text("plannedStartDate"), text("plannedEndDate"), cost.map { .text($0.canonicalText) } ?? .null,
                cost.map { .text($0.currency.code) } ?? .null, .text(e.actorID), seq,
            ])
        case "ProjectApproved":
            let selfApproved: Int64 = payload["selfApproved"] == .bool(true) ? 1 : 0
            try run(sql.approve, [project, text("approvingAuthority"), text("approvalReference"),
                                  text("approvalDate"), .integer(selfApproved), seq])
        case "ProjectStatusChanged":
            if let to = payload["to"]?.stringValue.flatMap(ProjectStatus.init(rawValue:)) {
                try run(sql.changeStatus, [project, .text(to.rawValue), seq])
            }
        case "ProjectDatesRevised":
            try run(sql.reviseDates, [project, text("startDate"), text("endDate"), seq])
        case "SectorAllocationRevised", "LocationAllocationRevised":
            let kind = e.type == "SectorAllocationRevised" ? "sector" : "province"
            let rows: [(String, Percentage)] = (payload["allocations"]?.arrayValue ?? []).compactMap { item in
                guard let code = item.objectValue?[kind]?.stringValue,
                      let share = item.objectValue?["percentage"]?.stringValue.flatMap({ try? Percentage($0) }) else { return nil }
                return (code, share)
            }
            guard !rows.isEmpty else { break }
            try run(sql.clearAllocations, [project, .text(kind)])
            for (code, share) in rows {
                try run(sql.allocation, [project, .text(kind), .text(code), .text(share.description)])
            }
            try run(sql.touchProject, [project, seq])
        case "FinancingAgreementSigned":
            guard let value = amount("amount") else { break }
            try run(sql.signAgreement, [
                project, text("agreementId"), text("developmentPartner"), text("instrument"), text("signedDate"),
                .text(value.canonicalText), .text(value.currency.code),
            ])
        case "FinancingAgreementAmended":
            guard let value = amount("newAmount") else { break }
            try run(sql.amendAgreement, [project, text("agreementId"), .text(value.canonicalText), .text(value.currency.code)])
        case "AnnualBudgetPlanned":
            guard let value = amount("amount") else { break }
            try run(sql.planBudget, [
                project, text("budgetLineId"), text("periodStart"), text("periodEnd"), text("description"),
                .text(value.currency.code), .text(value.canonicalText),
            ])
        case "AnnualBudgetRevised":
            guard let value = amount("newAmount") else { break }
            try run(sql.reviseBudget, [project, text("budgetLineId"), text("periodStart"), .text(value.canonicalText),
                                       text("decisionReference"), .text(value.currency.code)])
        case "BudgetPeriodLocked", "BudgetReopenApproved":
            try run(sql.lockBudget, [project, text("budgetLineId"), text("periodStart"),
                                     .integer(e.type == "BudgetPeriodLocked" ? 1 : 0)])
        case "TransactionReversed":
            if let reversed = payload["reversedSeq"]?.integerValue {
                try rows.reverse(seq: reversed, project: projectID, by: e.seq)
            }
        default:
            break
        }
    }
}
