import EventLog
import Inspection
import Synchronization

/// The stored flags and their case statuses, decoded once per ledger position.
///
/// Flags and case statuses change only when events are appended, so a list read at the same
/// head seq is the same list: the queue re-reads the tables only when the head has moved, checked
/// in the same read snapshot as the tables (so a list is never older than the head it is stamped
/// with). Decoding every flag was most of the cost of `GET /v1/flags`.
final class FlagQueue: Sendable {
    struct Contents: Sendable {
        let position: Int64
        /// Most severe first, then by score, then by id.
        let flags: [Flag]
        let statuses: [String: CaseStatus]
    }

    private let latest = Mutex<Contents?>(nil)

    func contents(of store: EventStore) throws -> Contents {
        let cached = latest.withLock { $0 }
        let contents = try store.withProjectionSnapshot { db -> Contents in
            let position = try db.scalarInt64("SELECT coalesce(max(seq), 0) FROM events") ?? 0
            if let cached, cached.position == position { return cached }
            let flags = try FlagTable.all(in: db).sorted { ($0.severity, $0.score, $1.id) > ($1.severity, $1.score, $0.id) }
            return Contents(position: position, flags: flags, statuses: try CaseTable.statuses(in: db))
        }
        latest.withLock { current in
            if (current?.position ?? -1) < contents.position { current = contents }
        }
        return contents
    }
}
