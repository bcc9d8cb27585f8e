import CanonicalJSON
import Foundation
import Crypto
import EventLog
import SQLite

/// A digest of an inspection projection (`FlagProjector`'s, `CaseProjector`'s or
/// `PopulationFlagProjector`'s tables):
/// SHA-256 over the RFC 8785 JSON of every row of each table, in key order, tables in a fixed
/// order. Two ledgers with the same events have the same digest, so a replay proves the
/// incrementally kept flags and cases equal a rebuild from the events.
public struct InspectionDigest: Sendable, Equatable, CustomStringConvertible {
    public let digest: SHA256Digest
    public var description: String { "sha256:" + digest.hex }

    /// The tables each digest covers, with the columns each is ordered by.
    static let flagTables: [(name: String, key: String)] = [
        (FlagTable.name, "id"), (FactTable.facts, "project, seq"), (FactTable.projects, "project"),
        (FactTable.rates, "seq"), (FactTable.settings, "seq, name"),
    ]
    static let caseTables: [(name: String, key: String)] = [(CaseTable.name, "flag_id")]
    static let populationTables: [(name: String, key: String)] = [(PopulationFlagTable.name, "id")]

    /// The digest of `FlagProjector`'s tables (the flags and the state they are kept from).
    public static func flags(_ database: ProjectionDatabase, prefix: String = "") throws -> InspectionDigest {
        try InspectionDigest(of: database, prefix: prefix, tables: flagTables)
    }

    /// The digest of `CaseProjector`'s table (each flag's case status).
    public static func cases(_ database: ProjectionDatabase, prefix: String = "") throws -> InspectionDigest {
        try InspectionDigest(of: database, prefix: prefix, tables: caseTables)
    }

    /// The digest of `PopulationFlagProjector`'s table (the flags of the latest recorded
    /// population evaluation).
    public static func populationFlags(_ database: ProjectionDatabase, prefix: String = "") throws -> InspectionDigest {
        try InspectionDigest(of: database, prefix: prefix, tables: populationTables)
    }

    private init(of database: ProjectionDatabase, prefix: String, tables: [(name: String, key: String)]) throws {
        let hasher = try SHA256Hasher()
        hasher.update(Array("{".utf8))
        for (index, table) in tables.enumerated() {
            if index > 0 { hasher.update(Array(",".utf8)) }
            hasher.update(JSONValue.string(table.name).canonicalBytes)
            hasher.update(Array(":[".utf8))
            var first = true
            try database.query("SELECT * FROM \(prefix)\(table.name) ORDER BY \(table.key)") { row in
                var values: [JSONValue] = []
                for column in 0..<row.columnCount {
                    switch row.value(at: column) {
                    case .null: values.append(.null)
                    case let .integer(n): values.append(.integer(n))
                    case let .text(t): values.append(.string(t))
                    case let .blob(b): values.append(.string(b.map { String(format: "%02x", $0) }.joined()))
                    }
                }
                if !first { hasher.update(Array(",".utf8)) }
                first = false
                hasher.update(JSONValue.array(values).canonicalBytes)
            }
            hasher.update(Array("]".utf8))
        }
        hasher.update(Array("}".utf8))
        digest = hasher.finalize()
    }
}
