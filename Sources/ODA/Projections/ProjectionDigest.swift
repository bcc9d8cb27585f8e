import CanonicalJSON
import Crypto
import EventLog

/// SHA-256 of the canonical serialization of the whole ODA projection, so a rebuild can prove it
/// equals the incrementally maintained state.
///
/// The serialization is the RFC 8785 (JCS) JSON text of one object whose members are the
/// projection tables (`proj_agreements` … `proj_transactions`, unprefixed names), each an array
/// of its rows in primary-key order; a row is an object from column name to value: integer
/// columns as JSON integers, text columns (amounts included, as canonical decimal strings) as
/// strings, NULL as `null`. It is hashed as it is produced, one row at a time, so memory stays
/// constant however large the projection. The checkpoint position is not part of it.
public struct ProjectionDigest: Sendable, Equatable, CustomStringConvertible {
    public let digest: SHA256Digest
    public var hex: String { digest.hex }
    public var description: String { "sha256:" + digest.hex }

    /// Hashes the tables named `prefix` + each projection table name.
    public init(of database: ProjectionDatabase, prefix: String = "") throws {
        let hasher = try SHA256Hasher()
        hasher.update(Array("{".utf8))
        for (index, table) in ProjectionTables.definitions.enumerated() {
            if index > 0 { hasher.update(Array(",".utf8)) }
            hasher.update(JSONValue.string(table.name).canonicalBytes)
            hasher.update(Array(":[".utf8))
            var first = true
            let sql = "SELECT \(table.columns.joined(separator: ", ")) FROM \(prefix)\(table.name) ORDER BY \(table.key.joined(separator: ", "))"
            try database.query(sql) { row in
                var object = JSONObject()
                for (column, name) in table.columns.enumerated() {
                    let c = Int32(column)
                    object[name] = row.isNull(at: c) ? .null
                        : ProjectionTables.integerColumns.contains(name) ? .integer(row.int64(at: c)) : .string(row.text(at: c))
                }
                if !first { hasher.update(Array(",".utf8)) }
                first = false
                hasher.update(JSONValue.object(object).canonicalBytes)
            }
            hasher.update(Array("]".utf8))
        }
        hasher.update(Array("}".utf8))
        digest = hasher.finalize()
    }
}
