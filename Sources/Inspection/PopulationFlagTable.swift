import EventLog
import ODA
import SQLite

/// The flags of the latest population evaluation: one row per flag, like the subject flag table,
/// but owned by `PopulationFlagProjector`, so rebuilding either projection never touches the
/// other's rows. `FlagQueue` reads both as one queue.
public enum PopulationFlagTable {
    public static let name = "insp_population_flags"

    static func create(prefix: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(prefix)\(name) (
          id TEXT PRIMARY KEY, rule TEXT NOT NULL, version INTEGER NOT NULL, severity TEXT NOT NULL,
          parameters TEXT NOT NULL, subject_kind TEXT NOT NULL, subject TEXT NOT NULL,
          amount TEXT, currency TEXT, amount_is_usd INTEGER NOT NULL, score INTEGER NOT NULL,
          evidence TEXT NOT NULL, explanation TEXT NOT NULL, evaluation_seq INTEGER NOT NULL
        ) WITHOUT ROWID;
        """
    }

    /// Replaces every row with `flags`, the result of the evaluation recorded at `evaluationSeq`.
    static func replace(with flags: [Flag], evaluationSeq: Int64, in database: ProjectionDatabase, prefix: String) throws {
        try database.execute("DELETE FROM \(prefix)\(name)")
        for flag in flags {
            try database.execute(
                "INSERT INTO \(prefix)\(name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                [.text(flag.id), .text(flag.ruleId), .integer(Int64(flag.ruleVersion)), .text(flag.severity.rawValue),
                 .text(flag.parametersText), .text(flag.subject.kind.rawValue), .text(flag.subject.name),
                 flag.amount.map { .text($0.canonicalText) } ?? .null, flag.amount.map { .text($0.currency.code) } ?? .null,
                 .integer(flag.amountIsUSD ? 1 : 0), .integer(Int64(flag.score)),
                 .text(flag.evidenceText), .text(flag.explanation), .integer(evaluationSeq)])
        }
    }

    /// Every stored population flag, sorted by id (none when the projection was never registered).
    public static func all(in database: ProjectionDatabase, prefix: String = "") throws -> [Flag] {
        let exists = try database.scalarInt64("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                                              [.text(prefix + name)]) ?? 0
        guard exists > 0 else { return [] }
        var flags: [Flag] = []
        try database.query("SELECT * FROM \(prefix)\(name) ORDER BY id") { row in
            let parameters = Flag.parameters(storedText: row.text(at: 4))
            let amount = row.optionalText(at: 7).flatMap { text in row.optionalText(at: 8).flatMap { try? Amount(text, currency: $0) } }
            flags.append(Flag(
                id: row.text(at: 0), ruleId: row.text(at: 1), ruleVersion: Int(row.int64(at: 2)),
                severity: Severity(rawValue: row.text(at: 3)) ?? .low, parameters: parameters,
                subject: .portfolio(Subject.Kind(rawValue: row.text(at: 5)) ?? .project, row.text(at: 6)),
                amount: amount, amountIsUSD: row.int64(at: 9) == 1, score: Int(row.int64(at: 10)),
                evidence: Flag.evidence(storedText: row.text(at: 11)), explanation: row.text(at: 12)))
        }
        return flags
    }

    /// Whether a population flag `id` is stored.
    static func contains(_ id: String, in database: ProjectionDatabase) throws -> Bool {
        let exists = try database.scalarInt64("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1", [.text(name)]) ?? 0
        guard exists > 0 else { return false }
        return try database.scalarInt64("SELECT count(*) FROM \(name) WHERE id = ?1", [.text(id)]) ?? 0 > 0
    }
}

/// The Department of Inspection's queue: the subject flags and the population flags together.
public enum FlagQueue {
    /// Every stored flag, sorted by id.
    public static func all(in database: ProjectionDatabase) throws -> [Flag] {
        (try FlagTable.all(in: database) + PopulationFlagTable.all(in: database)).sorted { $0.id < $1.id }
    }

    /// Whether a flag `id` is stored in either table: what a case may be opened on.
    public static func contains(_ id: String, in database: ProjectionDatabase) throws -> Bool {
        let subject = try database.scalarInt64("SELECT count(*) FROM \(FlagTable.name) WHERE id = ?1", [.text(id)]) ?? 0
        return try subject > 0 || PopulationFlagTable.contains(id, in: database)
    }
}
