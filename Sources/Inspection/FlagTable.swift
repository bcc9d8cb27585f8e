import EventLog
import ODA
import SQLite

/// The flag table: one row per flag, the projection a queue is read from.
public enum FlagTable {
    public static let name = "insp_flags"

    static func create(prefix: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(prefix)\(name) (
          id TEXT PRIMARY KEY, rule TEXT NOT NULL, version INTEGER NOT NULL, severity TEXT NOT NULL,
          parameters TEXT NOT NULL, subject_kind TEXT NOT NULL, subject TEXT NOT NULL, project TEXT NOT NULL,
          amount TEXT, currency TEXT, amount_is_usd INTEGER NOT NULL, score INTEGER NOT NULL,
          evidence TEXT NOT NULL, explanation TEXT NOT NULL, last_seq INTEGER NOT NULL
        ) WITHOUT ROWID;
        """
    }

    /// Writes one project's flag changes: deletes the ids removed, writes the flags new or changed.
    static func write(_ change: RuleEngine.Change, project: String, in database: ProjectionDatabase, prefix: String) throws {
        for id in change.removed {
            try database.execute("DELETE FROM \(prefix)\(name) WHERE id = ?1", [.text(id)])
        }
        for flag in change.written {
            try database.execute(
                "INSERT OR REPLACE INTO \(prefix)\(name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                [.text(flag.id), .text(flag.ruleId), .integer(Int64(flag.ruleVersion)), .text(flag.severity.rawValue),
                 .text(flag.parametersText), .text(flag.subject.kind.rawValue), .text(flag.subject.name), .text(project),
                 flag.amount.map { .text($0.canonicalText) } ?? .null, flag.amount.map { .text($0.currency.code) } ?? .null,
                 .integer(flag.amountIsUSD ? 1 : 0), .integer(Int64(flag.score)),
                 .text(flag.evidenceText), .text(flag.explanation),
                 .integer(flag.evidence.last ?? 0)])
        }
    }

    /// Every stored flag, sorted by id.
    public static func all(in database: ProjectionDatabase, prefix: String = "") throws -> [Flag] {
        var flags: [Flag] = []
        try database.query("SELECT * FROM \(prefix)\(name) ORDER BY id") { flags.append(flag($0)) }
        return flags
    }

    private static func flag(_ row: Statement) -> Flag {
        let parameters = Flag.parameters(storedText: row.text(at: 4))
        let amount = row.optionalText(at: 8).flatMap { text in row.optionalText(at: 9).flatMap { try? Amount(text, currency: $0) } }
        return Flag(
            id: row.text(at: 0), ruleId: row.text(at: 1), ruleVersion: Int(row.int64(at: 2)),
            severity: Severity(rawValue: row.text(at: 3)) ?? .low, parameters: parameters,
            subject: Subject(kind: Subject.Kind(rawValue: row.text(at: 5)) ?? .project, name: row.text(at: 6), project: row.text(at: 7)),
            amount: amount, amountIsUSD: row.int64(at: 10) == 1, score: Int(row.int64(at: 11)),
            evidence: Flag.evidence(storedText: row.text(at: 12)), explanation: row.text(at: 13))
    }
}
