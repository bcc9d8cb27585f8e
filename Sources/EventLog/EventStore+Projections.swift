import SQLite

extension EventStore {
    /// Registers `projector` on this store's writer: creates its tables and checkpoint row if
    /// missing, catches it up with every event recorded since its checkpoint (in one transaction),
    /// and from then on applies each append's new events inside the append transaction.
    /// Registering a projector of the same name again replaces it.
    /// Throws `StoreError` for the file, or what the projector itself throws while catching up.
    public func register(_ projector: any Projector) throws {
        guard let writer else { throw StoreError.readOnly(path: path) }
        try writer.withLock { writer in
            try writer.inTransaction { () throws in
                try writer.connection.execute(ProjectionCheckpoints.create)
                try projector.createTables(in: ProjectionDatabase(connection: writer.connection), prefix: "")
                let head = try LedgerHead.read(from: writer.connection, path: path)
                try writer.catchUp(projector, through: head.seq)
            }
            writer.projectors.removeAll { $0.name == projector.name }
            writer.projectors.append(projector)
        }
    }

    /// The seq up to which `name`'s stored tables reflect the ledger (0 when never registered).
    public func projectionPosition(_ name: String) throws -> Int64 {
        try withSnapshot { connection in
            let exists = try connection.scalarInt64(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'projection_checkpoints'") ?? 0
            return exists == 0 ? 0 : try ProjectionCheckpoints.position(of: name, in: connection)
        }
    }

    /// Runs `body` against one consistent read snapshot of the ledger file, to read projection
    /// tables (the events included, so a reader sees tables and checkpoint from the same commit).
    public func withProjectionSnapshot<R>(_ body: (ProjectionDatabase) throws -> R) throws -> R {
        try withSnapshot { connection in try body(ProjectionDatabase(connection: connection)) }
    }

    /// Rebuilds `projector` from the events up to `target` (default: the head) into shadow tables
    /// (`shadow_` + each table name), all in one write transaction, calling `progress(done, total)`
    /// every few thousand events.
    ///
    /// With `swap` (allowed only when rebuilding to the head) the shadow tables replace the live
    /// ones and the checkpoint is set to the head, in the same transaction: readers see either
    /// the old state or the new one. Without it the shadow tables are dropped at the end. Either
    /// way `inspect` runs on the rebuilt tables (with the prefix they have at that moment) before
    /// the commit, e.g. to compute a digest, and its result is returned with the seq reached.
    public func rebuild<R>(
        _ projector: any Projector, through target: Int64? = nil, swap: Bool,
        progress: (Int64, Int64) -> Void = { _, _ in },
        inspect: (ProjectionDatabase, String) throws -> R
    ) throws -> (position: Int64, result: R) {
        guard let writer else { throw StoreError.readOnly(path: path) }
        return try writer.withLock { writer in
            try writer.inTransaction { () throws -> (Int64, R) in
                let connection = writer.connection
                let database = ProjectionDatabase(connection: connection)
                let head = try LedgerHead.read(from: connection, path: path)
                let end = min(target ?? head.seq, head.seq)
                guard !swap || end == head.seq else { throw ProjectionError.partialRebuildCannotSwap(target: end, head: head.seq) }
                for table in projector.tableNames { try connection.execute("DROP TABLE IF EXISTS shadow_\(table)") }
                try projector.createTables(in: database, prefix: "shadow_")
                if let bulk = try projector.bulkRebuild(in: database, prefix: "shadow_") {
                    var count = 0
                    try writer.forEachStoredEvent(through: end) { event in
                        try bulk.add(event)
                        count += 1
                        if count % 4096 == 0 { progress(event.seq, end) }
                    }
                    try bulk.finish()
                } else {
                    try writer.forEachBatch(after: 0, through: end) { batch in
                        try projector.apply(batch, in: database, prefix: "shadow_")
                        progress(batch.last?.seq ?? 0, end)
                    }
                }
                progress(end, end)
                let result: R
                if swap {
                    try connection.execute(ProjectionCheckpoints.create)
                    for table in projector.tableNames {
                        try connection.execute("DROP TABLE IF EXISTS \(table)")
                        try connection.execute("ALTER TABLE shadow_\(table) RENAME TO \(table)")
                    }
                    try ProjectionCheckpoints.set(projector.name, to: end, in: connection)
                    result = try inspect(database, "")
                } else {
                    result = try inspect(database, "shadow_")
                    for table in projector.tableNames { try connection.execute("DROP TABLE shadow_\(table)") }
                }
                return (end, result)
            }
        }
    }
}

extension Writer {
    /// Runs `body` in an immediate transaction. SQLite failures surface as `StoreError`; what
    /// `body` throws otherwise (a projector's own error, `ProjectionError`) passes through unchanged.
    func inTransaction<R>(_ body: () throws -> R) throws -> R {
        do {
            return try connection.transaction(.immediate) { () throws(any Error) -> R in try body() }
        } catch {
            switch error {
            case let .body(e as SQLiteError): throw StoreError(e, path: path)
            case let .body(e): throw e
            case let .database(e): throw StoreError(e, path: path)
            }
        }
    }

    /// Streams the recorded events in `(after, through]` to `body` in batches, from this
    /// connection (so inside its transaction).
    func forEachBatch(after start: Int64, through end: Int64, batchSize: Int = 4096,
                      _ body: ([RecordedEvent]) throws -> Void) throws {
        guard end > start else { return }
        let statement = try connection.cached("SELECT seq, hash, body FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq")
        try statement.bind([.integer(start), .integer(end)])
        defer { statement.reset() }
        var batch: [RecordedEvent] = []
        batch.reserveCapacity(batchSize)
        while try statement.step() {
            batch.append(try EventRow.decode(statement, checkCanonical: false))
            if batch.count == batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
    }

    /// Streams the stored bytes of the events in `[1, through]`, undecoded, from this connection.
    func forEachStoredEvent(through end: Int64, _ body: (StoredEventBytes) throws -> Void) throws {
        guard end > 0 else { return }
        let statement = try connection.cached("SELECT seq, body FROM events WHERE seq <= ?1 ORDER BY seq")
        try statement.bind([.integer(end)])
        defer { statement.reset() }
        while try statement.step() {
            try body(StoredEventBytes(seq: statement.int64(at: 0), canonicalBytes: statement.blob(at: 1)))
        }
    }

    /// Applies to `projector` whatever lies between its checkpoint and `seq`, then moves the checkpoint.
    func catchUp(_ projector: any Projector, through seq: Int64) throws {
        let position = try ProjectionCheckpoints.position(of: projector.name, in: connection)
        guard position < seq else { return }
        let database = ProjectionDatabase(connection: connection)
        try forEachBatch(after: position, through: seq) { try Self.apply($0, to: projector, in: database) }
        try ProjectionCheckpoints.set(projector.name, to: seq, in: connection)
    }

    /// Applies `events` to the live tables, naming the projector and the batch in a failure so
    /// the refused append says which read model stopped it.
    static func apply(_ events: [RecordedEvent], to projector: any Projector, in database: ProjectionDatabase) throws {
        do {
            try projector.apply(events, in: database, prefix: "")
        } catch {
            throw StoreError.database(SQLiteError(code: 1, message:
                "projection \(projector.name) failed on seqs \(events.first?.seq ?? 0)...\(events.last?.seq ?? 0), so nothing was written: \(error)"))
        }
    }

    /// Called inside the append transaction: catches every projector up to the head read before
    /// the batch (another process may have appended without projectors), then applies the batch's
    /// new events and records the new position.
    func project(_ newEvents: [RecordedEvent], headBefore: Int64) throws {
        guard !projectors.isEmpty else { return }
        let database = ProjectionDatabase(connection: connection)
        for projector in projectors {
            try catchUp(projector, through: headBefore)
            guard let last = newEvents.last?.seq else { continue }
            try Self.apply(newEvents, to: projector, in: database)
            try ProjectionCheckpoints.set(projector.name, to: last, in: connection)
        }
    }
}

extension EventStore {
    /// The last seq recorded strictly before `time` (0 when none): "what the system knew then".
    /// `recordedAt` never decreases along `seq`, so the events known at `time` are exactly 1...this.
    public func lastSeq(recordedBefore time: Timestamp) throws -> Int64 {
        try withSnapshot { connection in
            try connection.scalarInt64("SELECT coalesce(max(seq), 0) FROM events WHERE recorded_at < ?1", [.text(time.rfc3339)]) ?? 0
        }
    }
}
