import EventLog
import SQLite

extension EventStore {
    /// One project's state and audit trail as of `point`.
    ///
    /// At the head, the live tables answer when their checkpoint has reached the head and they
    /// are in the current layout (read in the same snapshot); otherwise, and for any earlier
    /// point, the project's stream up to that position is replayed through `ProjectStateProjector`
    /// into an in-memory database, so a past state is computed by the very code that maintains
    /// the live one. Either way the audit trail is derived from the same events
    /// (`AuditEntry.init?(_:)`). Returns nil when the project did not exist then.
    public func projectSnapshot(_ projectId: String, asOf point: PointInTime = .head) throws -> ProjectSnapshot? {
        if point == .head {
            let live = try withProjectionSnapshot { db -> ProjectSnapshot?? in
                guard try ProjectionStatus.isCurrent(db) else { return .none }
                return .some(try ProjectionReader.project(projectId, in: db))
            }
            if let live { return live }
        }
        let position = try point.position(in: self)
        var history: [AuditEntry] = []
        return try replayedProjection(through: position, stream: "project:\(projectId)", including: point.includes,
                                      observe: { if let entry = AuditEntry($0) { history.append(entry) } }) { db in
            try ProjectionReader.project(projectId, replayedIn: db, history: history)
        }
    }

    /// Replays the events up to `seq` (of one stream, or all; only those `including` accepts)
    /// through `ProjectStateProjector` into a fresh in-memory database and hands it to `body`.
    public func withReplayedProjection<R>(through seq: Int64, stream: String? = nil,
                                          including: (EventEnvelope) -> Bool = { _ in true },
                                          _ body: (ProjectionDatabase) throws -> R) throws -> R {
        try replayedProjection(through: seq, stream: stream, including: including, observe: { _ in }, body)
    }

    /// `withReplayedProjection`, handing each replayed event to `observe` as well, in `seq` order.
    func replayedProjection<R>(through seq: Int64, stream: String?, including: (EventEnvelope) -> Bool,
                               observe: (EventEnvelope) -> Void, _ body: (ProjectionDatabase) throws -> R) throws -> R {
        let connection = try Connection(path: ":memory:", mode: .readWriteCreate)
        let db = ProjectionDatabase(connection: connection)
        let projector = ProjectStateProjector()
        try projector.createTables(in: db, prefix: "")
        if seq > 0 {
            var batch: [RecordedEvent] = []
            try read(EventQuery(toSeq: seq, stream: stream)) { event in
                guard including(event.envelope) else { return true }
                observe(event.envelope)
                batch.append(event)
                if batch.count == 4096 {
                    try projector.apply(batch, in: db, prefix: "")
                    batch.removeAll(keepingCapacity: true)
                }
                return true
            }
            try projector.apply(batch, in: db, prefix: "")
        }
        return try body(db)
    }
}

/// Whether the live tables exist in the current layout and reflect the head, checked inside one
/// read snapshot. (Tables of an earlier layout are replaced only when the projector is next
/// registered; until then a read replays the stream instead of reading them.)
enum ProjectionStatus {
    static func isCurrent(_ db: ProjectionDatabase) throws -> Bool {
        let hasCheckpoints = try db.scalarInt64(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'projection_checkpoints'") ?? 0
        guard hasCheckpoints == 1, try !ProjectionTables.predatesCurrentSchema(in: db, prefix: "") else { return false }
        let position = try db.scalarInt64(
            "SELECT position FROM projection_checkpoints WHERE name = ?1", [.text(ProjectStateProjector.name)]) ?? -1
        let head = try db.scalarInt64("SELECT coalesce(max(seq), 0) FROM events") ?? 0
        return position == head
    }
}
