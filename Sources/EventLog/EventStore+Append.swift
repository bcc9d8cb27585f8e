import CanonicalJSON
import Crypto
import SQLite
import Transparency

extension EventStore {
    /// Appends a batch in one transaction: all of it or nothing.
    ///
    /// Inside the write transaction it reads the head (`seq`, `prev`, last `recordedAt`), checks
    /// each event's expected version and idempotency key, then writes. `recordedAt` is the
    /// server clock, raised to the previous event's when the clock went backwards, so it never
    /// decreases along `seq`. Returns once the transaction is committed (and, with the default
    /// durability, synced to disk).
    public func append(_ events: [ProposedEvent], actor: Actor) throws(AppendError) -> [AppendOutcome] {
        guard !events.isEmpty else { throw .emptyBatch }
        guard let writer else { throw .store(.readOnly(path: path)) }
        return try writer.withLock { writer throws(AppendError) in try writer.append(events, actor: actor) }
    }
}

/// The single writer connection and what it caches between appends. Lives inside the store's lock.
final class Writer {
    let connection: Connection
    let path: String
    let hasher: SHA256Hasher
    /// The source of `recordedAt` (see `EventStore.Options.clock`).
    let clock: @Sendable () -> Timestamp
    /// Stream names to their integer ids. Only ids from committed transactions are kept.
    var streamIDs: [String: Int64] = [:]
    /// The Merkle tree's right edge as of the last commit; rebuilt when another process appended.
    var frontier: MerkleFrontier?
    /// Stream versions as of `cachedAtSeq`, valid only while nobody else has appended since.
    var streamVersions: [Int64: Int64] = [:]
    var cachedAtSeq: Int64 = -1
    private static let streamVersionCacheLimit = 100_000
    var checkpointPolicy: CheckpointPolicy?
    /// Read models updated inside each append transaction (see `Projector`).
    var projectors: [any Projector] = []

    init(connection: Connection, path: String, clock: @escaping @Sendable () -> Timestamp) throws(StoreError) {
        self.connection = connection
        self.path = path
        self.clock = clock
        do {
            hasher = try SHA256Hasher()
        } catch {
            throw .database(SQLiteError(code: 1, message: "SHA-256 unavailable: \(error)"))
        }
    }

    func append(_ events: [ProposedEvent], actor: Actor) throws(AppendError) -> [AppendOutcome] {
        var newStreamIDs: [String: Int64] = [:]
        var tree = MerkleFrontier()
        var versions: [Int64: Int64] = [:]
        let outcomes: [AppendOutcome]
        do {
            outcomes = try connection.transaction(.immediate) { () throws(AppendError) -> [AppendOutcome] in
                try appendInTransaction(events, actor: actor, newStreamIDs: &newStreamIDs, tree: &tree, versions: &versions)
            }
        } catch {
            frontier = nil
            cachedAtSeq = -1
            switch error {
            case let .body(e): throw e
            case let .database(e): throw .store(StoreError(e, path: path))
            }
        }
        streamIDs.merge(newStreamIDs) { _, new in new }
        frontier = tree
        if streamVersions.count + versions.count > Self.streamVersionCacheLimit { streamVersions.removeAll() }
        streamVersions.merge(versions) { _, new in new }
        cachedAtSeq = Int64(tree.size)
        return outcomes
    }

    /// The tree's right edge for a ledger whose last seq is `size`, from memory when this writer
    /// made the last commit, else rebuilt from the file in O(log n) reads.
    func currentFrontier(size: Int64) throws(StoreError) -> MerkleFrontier {
        if let frontier, frontier.size == UInt64(size) { return frontier }
        return try MerkleFrontier(size: UInt64(size), source: LedgerMerkleSource(connection: connection, path: path, hasher: hasher))
    }

    /// Persists the nodes an append completed, those at the stored levels only.
    private func persist(_ nodes: [(id: MerkleNodeID, hash: SHA256Digest)]) throws(SQLiteError) {
        // A leaf completes a node at the stored levels only once every 2^storedLevel leaves.
        guard nodes.count > MerklePersistence.storedLevel else { return }
        let insert = try connection.cached("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
        for node in nodes where node.id.level >= MerklePersistence.storedLevel {
            try insert.bind(Int64(node.id.level), at: 1)
            try insert.bind(Int64(node.id.index), at: 2)
            try node.hash.withUnsafeBytes { raw throws(SQLiteError) in try insert.execute(borrowingBlob: raw, at: 3) }
        }
    }

    /// Signs and stores a checkpoint of the tree as it stands in this transaction, unless one of
    /// that size exists already; returns the stored one.
    func writeCheckpoint(tree: MerkleFrontier, signer: NoteSignerKey, at time: Timestamp) throws -> StoredCheckpoint {
        let size = Int64(tree.size)
        if let existing = try storedCheckpoint(size: size) { return existing }
        let root = tree.root(using: hasher)
        let body = try Checkpoint(origin: signer.name, size: tree.size, root: root, extensions: []).body
        let note = try SignedNote.sign(text: body, with: [signer]).serialized
        try connection.cached("INSERT INTO checkpoints (size, root, note, recorded_at) VALUES (?1, ?2, ?3, ?4)")
            .execute([.integer(size), .blob(root.bytes), .text(note), .text(time.rfc3339)])
        return StoredCheckpoint(size: size, root: root, note: note, recordedAt: time)
    }

    func storedCheckpoint(size: Int64?) throws -> StoredCheckpoint? {
        try StoredCheckpoint.read(size: size, from: connection)
    }

    /// Whether the policy asks for a checkpoint now.
    private func checkpointDue(tree: MerkleFrontier, now: Timestamp, policy: CheckpointPolicy) throws -> Bool {
        let last = try storedCheckpoint(size: nil)
        let sinceCount = Int64(tree.size) - (last?.size ?? 0)
        guard sinceCount > 0 else { return false }
        if let every = policy.everyEvents, sinceCount >= every { return true }
        if let seconds = policy.everySeconds {
            guard let last else { return true }
            return now.microsecondsSinceEpoch - last.recordedAt.microsecondsSinceEpoch >= seconds * 1_000_000
        }
        return false
    }

    func appendInTransaction(
        _ events: [ProposedEvent], actor: Actor, newStreamIDs: inout [String: Int64], tree: inout MerkleFrontier,
        versions: inout [Int64: Int64]
    ) throws(AppendError) -> [AppendOutcome] {
        do {
            let head = try LedgerHead.read(from: connection, path: path)
            tree = try currentFrontier(size: head.seq)
            if head.seq != cachedAtSeq { streamVersions.removeAll() }
            let now = clock()
            let recordedAt = head.recordedAt.map { max($0, now) } ?? now
            let recordedAtText = recordedAt.rfc3339
            let shared = EventEnvelope.SharedFragments(actor: actor, recordedAt: recordedAt)
            var seq = head.seq
            var prev = head.hash
            var keysInBatch: [String: Int] = [:]
            var outcomes: [AppendOutcome] = []
            outcomes.reserveCapacity(events.count)
            let insert = try connection.cached("""
                INSERT INTO events (seq, stream_id, stream_version, type, recorded_at, idempotency_key, hash, body)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """)

            for (index, proposed) in events.enumerated() {
                if let key = proposed.idempotencyKey {
                    if let earlier = keysInBatch[key] {
                        let original = outcomes[earlier].event
                        guard proposed.isRecorded(as: original.envelope, by: actor) else {
                            throw AppendError.idempotencyConflict(index: index, key: key, originalSeq: original.seq)
                        }
                        outcomes.append(AppendOutcome(event: original, wasAlreadyRecorded: true))
                        continue
                    }
                    if let original = try event(withIdempotencyKey: key) {
                        guard proposed.isRecorded(as: original.envelope, by: actor) else {
                            throw AppendError.idempotencyConflict(index: index, key: key, originalSeq: original.seq)
                        }
                        keysInBatch[key] = outcomes.count
                        outcomes.append(AppendOutcome(event: original, wasAlreadyRecorded: true))
                        continue
                    }
                    keysInBatch[key] = outcomes.count
                }

                let streamID = try streamID(for: proposed.stream, newStreamIDs: &newStreamIDs)
                let current: Int64
                if let known = versions[streamID] ?? streamVersions[streamID] {
                    current = known
                } else if newStreamIDs[proposed.stream] != nil {
                    current = 0
                } else {
                    current = try connection.scalarInt64(
                        "SELECT max(stream_version) FROM events WHERE stream_id = ?1", [.integer(streamID)]) ?? 0
                }
                if let expected = proposed.expectedVersion, expected != current {
                    throw AppendError.wrongExpectedVersion(index: index, stream: proposed.stream, expected: expected, actual: current)
                }
                seq += 1
                let envelope = EventEnvelope(
                    seq: seq, stream: proposed.stream, streamVersion: current + 1, type: proposed.type,
                    schemaVersion: proposed.schemaVersion, payload: proposed.payload, actor: actor,
                    recordedAt: recordedAt, occurredAt: proposed.occurredAt, correlationId: proposed.correlationId,
                    causationId: proposed.causationId, idempotencyKey: proposed.idempotencyKey, prev: prev)
                let bytes = envelope.canonicalBytes(sharing: shared)
                let hash = hasher.hash(bytes)
                // Bound one by one: the hottest statement of the append path builds no value array,
                // and the body (most of the row) is lent to SQLite for the step instead of copied.
                try insert.bind(seq, at: 1)
                try insert.bind(streamID, at: 2)
                try insert.bind(current + 1, at: 3)
                try insert.bind(proposed.type, at: 4)
                try insert.bind(recordedAtText, at: 5)
                try insert.bind(proposed.idempotencyKey, at: 6)
                try hash.withUnsafeBytes { raw throws(SQLiteError) in try insert.bind(raw, at: 7) }
                try insert.execute(borrowingBlob: bytes, at: 8)
                try persist(tree.append(leafHash: MerkleHash.leaf(bytes, using: hasher), using: hasher))
                versions[streamID] = current + 1
                prev = hash
                outcomes.append(AppendOutcome(event: RecordedEvent(envelope: envelope, hash: hash, canonicalBytes: bytes),
                                              wasAlreadyRecorded: false))
            }
            if !projectors.isEmpty {
                try project(outcomes.filter { !$0.wasAlreadyRecorded }.map(\.event), headBefore: head.seq)
            }
            if let policy = checkpointPolicy, try checkpointDue(tree: tree, now: recordedAt, policy: policy) {
                _ = try writeCheckpoint(tree: tree, signer: policy.signer, at: recordedAt)
            }
            return outcomes
        } catch let error as AppendError {
            throw error
        } catch {
            throw .store(StoreError.wrapping(error, path: path))
        }
    }

    private func streamID(for name: String, newStreamIDs: inout [String: Int64]) throws(SQLiteError) -> Int64 {
        if let id = streamIDs[name] ?? newStreamIDs[name] { return id }
        if let id = try connection.scalarInt64("SELECT id FROM streams WHERE name = ?1", [.text(name)]) {
            streamIDs[name] = id
            return id
        }
        try connection.cached("INSERT INTO streams (name) VALUES (?1)").execute([.text(name)])
        let id = connection.lastInsertRowID
        newStreamIDs[name] = id
        return id
    }

    private func event(withIdempotencyKey key: String) throws(StoreError) -> RecordedEvent? {
        do {
            let statement = try connection.cached("SELECT seq, hash, body FROM events WHERE idempotency_key = ?1")
            try statement.bind([.text(key)])
            defer { statement.reset() }
            guard try statement.step() else { return nil }
            return try EventRow.decode(statement, checkCanonical: false)
        } catch {
            throw StoreError.wrapping(error, path: path)
        }
    }
}

/// Decoding of `seq, hash, body` rows into recorded events.
enum EventRow {
    static func decode(_ statement: Statement, checkCanonical: Bool) throws(StoreError) -> RecordedEvent {
        let seq = statement.int64(at: 0)
        let bytes = statement.blob(at: 2)
        guard let hash = statement.withUnsafeBytes(at: 1, { try? SHA256Digest(bytes: $0) }) else {
            throw .corruptEvent(seq: seq, reason: "its hash column is not 32 bytes")
        }
        do {
            let envelope = checkCanonical
                ? try EventEnvelope(canonicalBytes: bytes)
                : try EventEnvelope(json: JSONValue.parse(bytes))
            return RecordedEvent(envelope: envelope, hash: hash, canonicalBytes: bytes)
        } catch let error as EnvelopeError {
            throw .corruptEvent(seq: seq, reason: error.description)
        } catch {
            throw .corruptEvent(seq: seq, reason: "\(error)")
        }
    }
}
