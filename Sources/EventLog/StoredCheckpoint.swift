import Crypto
import SQLite
import Transparency

/// A signed checkpoint kept in the ledger: the C2SP signed note (with any cosignatures added
/// since) and what it commits to.
public struct StoredCheckpoint: Sendable, Equatable {
    public let size: Int64
    public let root: SHA256Digest
    /// The signed note as text: checkpoint body, blank line, signature lines.
    public let note: String
    public let recordedAt: Timestamp

    init(size: Int64, root: SHA256Digest, note: String, recordedAt: Timestamp) {
        self.size = size
        self.root = root
        self.note = note
        self.recordedAt = recordedAt
    }

    /// The most recent checkpoint stored in the file (or the one of `size`), without cosignatures.
    static func read(size: Int64?, from connection: Connection) throws -> StoredCheckpoint? {
        let statement = size == nil
            ? try connection.cached("SELECT size, root, note, recorded_at FROM checkpoints ORDER BY size DESC LIMIT 1")
            : try connection.cached("SELECT size, root, note, recorded_at FROM checkpoints WHERE size = ?1")
        try statement.bind(size.map { [.integer($0)] } ?? [])
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return try StoredCheckpoint(row: statement)
    }

    /// From a `size, root, note, recorded_at` row.
    init(row: Statement) throws(StoreError) {
        size = row.int64(at: 0)
        guard let root = try? SHA256Digest(bytes: row.blob(at: 1)), let time = Timestamp(canonical: row.text(at: 3)) else {
            throw .corruptEvent(seq: size, reason: "the stored checkpoint of size \(size) is malformed")
        }
        self.root = root
        note = row.text(at: 2)
        recordedAt = time
    }
}

/// When the ledger signs checkpoints by itself, and with which key.
public struct CheckpointPolicy: Sendable {
    /// The ledger's own key; its name is the ledger's origin.
    public let signer: NoteSignerKey
    /// Sign after this many events since the last checkpoint (nil: never by count).
    public var everyEvents: Int64?
    /// Sign when the last checkpoint is older than this many seconds and events were added
    /// since (nil: never by time). Checked on each append.
    public var everySeconds: Int64?

    public init(signer: NoteSignerKey, everyEvents: Int64? = 10_000, everySeconds: Int64? = 3_600) {
        self.signer = signer
        self.everyEvents = everyEvents
        self.everySeconds = everySeconds
    }
}

extension EventStore {
    /// The origin line of this ledger's checkpoints, `oda-ledger/<ledger id>`; also the name of
    /// its signing key.
    public func origin() throws(StoreError) -> String {
        guard let id = try metadata("ledgerId") else {
            throw .notALedger(path: path, reason: "ledger_meta has no ledgerId")
        }
        return "oda-ledger/" + id
    }
}
