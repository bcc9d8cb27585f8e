import EventLog
import ODA
import SQLite

/// The flag projector's own state, kept beside the flags so an append reads what the rules need
/// in compact rows instead of re-reading and re-parsing a project's events, and a process that
/// starts cold (every CLI append) resumes where the last one stopped. All derived from the
/// events, rebuilt by `oda-ledger replay`, and written in the append transaction:
///
/// - `insp_facts`: one row per project event a rule looks at (`ProjectFact`), keyed by project and seq;
/// - `insp_projects`: per project, its last seq and recording time and the ids of its current flags;
/// - `insp_rates`: the USD-based exchange rates recorded, by seq;
/// - `insp_rule_settings`: the parameters set by `RuleConfigured` events, by seq.
enum FactTable {
    static let facts = "insp_facts"
    static let projects = "insp_projects"
    static let rates = "insp_rates"
    static let settings = "insp_rule_settings"
    static let names = [facts, projects, rates, settings]

    static func create(prefix: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(prefix)\(facts) (
          project TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, recorded_at INTEGER NOT NULL,
          date TEXT, amount TEXT, currency TEXT, party TEXT, reference TEXT, line TEXT, period TEXT, period_end TEXT, number INTEGER,
          PRIMARY KEY (project, seq)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS \(prefix)\(projects) (
          project TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, last_recorded_at INTEGER NOT NULL, flag_ids TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS \(prefix)\(rates) (
          seq INTEGER PRIMARY KEY, quote TEXT NOT NULL, rate TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS \(prefix)\(settings) (
          seq INTEGER NOT NULL, rule TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (seq, name)
        ) WITHOUT ROWID;
        """
    }

    // MARK: facts

    static func insert(_ fact: ProjectFact, project: String, in database: ProjectionDatabase, prefix: String) throws {
        func text(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }
        try database.execute(
            "INSERT INTO \(prefix)\(facts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            [.text(project), .integer(fact.seq), .text(fact.kind.rawValue), .text(fact.actor),
             .integer(fact.recordedAt.microsecondsSinceEpoch), text(fact.date),
             text(fact.amount.map { String($0.tenThousandths) }), text(fact.amount?.currency.code), text(fact.party),
             text(fact.reference), text(fact.line), text(fact.period), text(fact.periodEnd), fact.number.map { .integer($0) } ?? .null])
    }

    /// A project's history as the tables hold it, and the ids of its stored flags; nil when the
    /// project has no event yet.
    static func history(of project: String, in database: ProjectionDatabase, prefix: String) throws
        -> (history: ProjectHistory, flagIds: [String])? {
        var header: (Int64, Int64, [String])?
        try database.query("SELECT last_seq, last_recorded_at, flag_ids FROM \(prefix)\(projects) WHERE project = ?1",
                           [.text(project)]) { row in
            header = (row.int64(at: 0), row.int64(at: 1), row.text(at: 2).split(separator: ",").map(String.init))
        }
        guard let header else { return nil }
        var history = ProjectHistory(project: project)
        var failure: Error?
        try database.query("""
            SELECT seq, kind, actor, recorded_at, date, amount, currency, party, reference, line, period, period_end, number
            FROM \(prefix)\(facts) WHERE project = ?1 ORDER BY seq
            """, [.text(project)]) { row in
            guard failure == nil else { return }
            do { history.apply(try fact(row)) } catch { failure = error }
        }
        if let failure { throw failure }
        history.note(seq: header.0, recordedAt: Timestamp(microsecondsSinceEpoch: header.1))
        return (history, header.2)
    }

    private static func fact(_ row: Statement) throws -> ProjectFact {
        guard let kind = ProjectFact.Kind(rawValue: row.text(at: 1)) else { throw FactTableError.unknownKind(row.text(at: 1)) }
        var amount: Amount?
        if let units = row.optionalText(at: 5), let code = row.optionalText(at: 6) {
            guard let value = Int128(units) else { throw FactTableError.badAmount(units) }
            amount = Amount(tenThousandths: value, currency: try CurrencyCode(code))
        }
        return ProjectFact(
            seq: row.int64(at: 0), kind: kind, actor: row.text(at: 2), recordedAt: Timestamp(microsecondsSinceEpoch: row.int64(at: 3)),
            date: row.optionalText(at: 4), amount: amount, party: row.optionalText(at: 7), reference: row.optionalText(at: 8),
            line: row.optionalText(at: 9), period: row.optionalText(at: 10), periodEnd: row.optionalText(at: 11),
            number: row.optionalInt64(at: 12))
    }

    /// `flagIds`: the ids of the project's current flags, joined by commas.
    static func setHeader(project: String, lastSeq: Int64, lastRecordedAt: Timestamp, flagIds: String,
                          in database: ProjectionDatabase, prefix: String) throws {
        try database.execute("INSERT OR REPLACE INTO \(prefix)\(projects) VALUES (?1, ?2, ?3, ?4)",
                             [.text(project), .integer(lastSeq), .integer(lastRecordedAt.microsecondsSinceEpoch),
                              .text(flagIds)])
    }

    // MARK: ledger-wide inputs

    static func insert(rate: ExchangeRate, seq: Int64, in database: ProjectionDatabase, prefix: String) throws {
        try database.execute("INSERT INTO \(prefix)\(rates) VALUES (?1, ?2, ?3)",
                             [.integer(seq), .text(rate.quote.code), .text(rate.rateText)])
    }

    static func insert(setting: RuleSettings.Change, in database: ProjectionDatabase, prefix: String) throws {
        for (name, value) in setting.parameters.sorted(by: { $0.key < $1.key }) {
            try database.execute("INSERT INTO \(prefix)\(settings) VALUES (?1, ?2, ?3, ?4)",
                                 [.integer(setting.seq), .text(setting.ruleId), .text(name), .integer(value)])
        }
    }

    static func rateBook(in database: ProjectionDatabase, prefix: String) throws -> RateBook {
        var book = RateBook()
        var failure: Error?
        try database.query("SELECT seq, quote, rate FROM \(prefix)\(rates) ORDER BY seq") { row in
            do { book.record(try ExchangeRate(base: .usd, quote: try CurrencyCode(row.text(at: 1)), rate: row.text(at: 2)), seq: row.int64(at: 0)) }
            catch { failure = error }
        }
        if let failure { throw failure }
        return book
    }

    static func ruleSettings(in database: ProjectionDatabase, prefix: String) throws -> RuleSettings {
        var rows: [(seq: Int64, rule: String, name: String, value: Int64)] = []
        try database.query("SELECT seq, rule, name, value FROM \(prefix)\(settings) ORDER BY seq, name") { row in
            rows.append((row.int64(at: 0), row.text(at: 1), row.text(at: 2), row.int64(at: 3)))
        }
        var out = RuleSettings()
        var i = 0
        while i < rows.count {
            var j = i
            var parameters: [String: Int64] = [:]
            while j < rows.count && rows[j].seq == rows[i].seq { parameters[rows[j].name] = rows[j].value; j += 1 }
            out.record(RuleSettings.Change(seq: rows[i].seq, ruleId: rows[i].rule, parameters: parameters))
            i = j
        }
        return out
    }
}

/// A row of the flag projector's state tables that cannot be read back: the tables were edited
/// by hand or by another program. `oda-ledger replay` rebuilds them from the events.
public enum FactTableError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownKind(String)
    case badAmount(String)

    public var description: String {
        switch self {
        case let .unknownKind(kind): "insp_facts holds a fact of unknown kind \(kind); rebuild it with `oda-ledger replay`"
        case let .badAmount(text): "insp_facts holds an unreadable amount \(text); rebuild it with `oda-ledger replay`"
        }
    }
}
