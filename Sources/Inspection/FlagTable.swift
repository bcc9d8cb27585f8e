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
    ///
    /// A flag whose evidence only grew at its end (the usual change on append: a running
    /// judgement's evidence list gains the new seq) has its stored evidence text extended in
    /// place (`evidence || ',' || new seqs`) instead of written whole: the row ends byte for byte
    /// as a whole write would leave it, because the stored text is `evidenceText` of the flag it
    /// replaces (the table holds exactly the flags the engine's state holds, which is what lets
    /// the projector trust its cache). `FlagTableDeltaTests` holds the two ways to each other.
    static func write(_ change: RuleEngine.Change, project: String, in database: ProjectionDatabase, prefix: String) throws {
        for id in change.removed {
            try database.execute("DELETE FROM \(prefix)\(name) WHERE id = ?1", [.text(id)])
        }
        for (i, flag) in change.written.enumerated() {
            var columns: [SQLValue] = [
                .text(flag.id), .text(flag.ruleId), .integer(Int64(flag.ruleVersion)), .text(flag.severity.rawValue),
                .text(flag.parametersText), .text(flag.subject.kind.rawValue), .text(flag.subject.name), .text(project),
                flag.amount.map { .text($0.canonicalText) } ?? .null, flag.amount.map { .text($0.currency.code) } ?? .null,
                .integer(flag.amountIsUSD ? 1 : 0), .integer(Int64(flag.score)), .null, .text(flag.explanation),
                .integer(flag.evidence.last ?? 0)]
            if i < change.replacing.count, let old = change.replacing[i], let grown = grownEvidence(from: old, to: flag) {
                columns[12] = .text("," + evidenceText(grown))
                try database.execute("""
                    UPDATE \(prefix)\(name) SET rule = ?2, version = ?3, severity = ?4, parameters = ?5, subject_kind = ?6,
                      subject = ?7, project = ?8, amount = ?9, currency = ?10, amount_is_usd = ?11, score = ?12,
                      evidence = evidence || ?13, explanation = ?14, last_seq = ?15
                    WHERE id = ?1
                    """, columns)
            } else {
                columns[12] = .text(evidenceText(flag.evidence))
                try database.execute(
                    "INSERT OR REPLACE INTO \(prefix)\(name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                    columns)
            }
        }
    }

    /// The seqs `new`'s evidence adds at the end of `old`'s (same flag), when that is all that
    /// changed in it; nil when the evidence is new, shrank, or changed before its end.
    static func grownEvidence(from old: Flag, to new: Flag) -> ArraySlice<Int64>? {
        guard old.id == new.id, !old.evidence.isEmpty, new.evidence.count > old.evidence.count,
              new.evidence[old.evidence.count - 1] == old.evidence[old.evidence.count - 1],
              new.evidence.starts(with: old.evidence) else { return nil }
        return new.evidence[old.evidence.count...]
    }

    /// `Flag.evidenceText` (seqs in decimal, comma-separated) written digit by digit into one
    /// buffer: a flag on a long-running subject carries hundreds of seqs, and an append that
    /// changes it writes them all again. `FlagTableTextTests` holds the two to each other.
    static func evidenceText<Seqs: Collection<Int64>>(_ evidence: Seqs) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(evidence.count * 8)
        var digits = [UInt8](repeating: 0, count: 20)
        for (i, seq) in evidence.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            if seq < 0 { bytes.append(UInt8(ascii: "-")) }
            var magnitude = seq.magnitude
            var n = 0
            repeat {
                digits[n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            while n > 0 { n -= 1; bytes.append(digits[n]) }
        }
        return String(decoding: bytes, as: UTF8.self)
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
