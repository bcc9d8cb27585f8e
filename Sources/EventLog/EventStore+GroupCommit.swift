import SQLite
import Transparency

/// One request of a group commit: its batch and the actor recorded on it.
public struct GroupMember: Sendable {
    public let events: [ProposedEvent]
    public let actor: Actor

    public init(events: [ProposedEvent], actor: Actor) {
        self.events = events
        self.actor = actor
    }
}

extension EventStore {
    /// Appends the batches of several requests in ONE write transaction (one sync to disk), each
    /// batch still all or nothing and independent of the others.
    ///
    /// Every member runs inside its own SAVEPOINT within the group's transaction, with exactly the
    /// checks of ``append(_:actor:)`` (expected versions, idempotency keys, projectors, checkpoint
    /// policy) against the ledger as the members before it left it. A member that fails is rolled
    /// back to its savepoint and gets its own error; the members after it continue. The result at
    /// index `i` belongs to `members[i]`, and members are recorded in the order given, so seqs stay
    /// gap-free.
    ///
    /// Returns only after the transaction has committed: a `.success` is durable (with the default
    /// durability, synced). When the transaction itself cannot begin or commit (disk full, I/O
    /// error, lock timeout), every member that would have succeeded gets that `.store` error, and
    /// nothing of the group is recorded.
    public func appendGroup(_ members: [GroupMember]) -> [Result<[AppendOutcome], AppendError>] {
        guard let writer else {
            return members.map { _ in .failure(.store(.readOnly(path: path))) }
        }
        return writer.withLock { writer in writer.appendGroup(members) }
    }
}

extension Writer {
    func appendGroup(_ members: [GroupMember]) -> [Result<[AppendOutcome], AppendError>] {
        var newStreamIDs: [String: Int64] = [:]
        var versions: [Int64: Int64] = [:]
        var groupTree: MerkleFrontier?
        var results: [Result<[AppendOutcome], AppendError>] = []
        results.reserveCapacity(members.count)
        do {
            try connection.transaction(.immediate) { () throws(SQLiteError) in
                for member in members {
                    guard !member.events.isEmpty else {
                        results.append(.failure(.emptyBatch))
                        continue
                    }
                    // What the members before this one recorded is uncommitted, so it is handed to
                    // the next one through the writer's caches: the tree's right edge, and stream
                    // versions valid as of that tree's size (`versions` overrides the committed cache).
                    if let groupTree {
                        frontier = groupTree
                        cachedAtSeq = Int64(groupTree.size)
                    }
                    let streamIDsBefore = newStreamIDs
                    let versionsBefore = versions
                    var tree = MerkleFrontier()
                    try runCached("SAVEPOINT group_member")
                    let outcome: Result<[AppendOutcome], AppendError>
                    do throws(AppendError) {
                        outcome = .success(try appendInTransaction(
                            member.events, actor: member.actor, newStreamIDs: &newStreamIDs, tree: &tree, versions: &versions))
                    } catch {
                        outcome = .failure(error)
                    }
                    switch outcome {
                    case .success:
                        try runCached("RELEASE group_member")
                        groupTree = tree
                    case .failure:
                        newStreamIDs = streamIDsBefore
                        versions = versionsBefore
                        // If SQLite ended the whole transaction itself (it may on SQLITE_FULL or
                        // an I/O error), the group cannot go on: ROLLBACK TO then throws.
                        try runCached("ROLLBACK TO group_member")
                        try runCached("RELEASE group_member")
                    }
                    results.append(outcome)
                }
            }
        } catch {
            frontier = nil
            cachedAtSeq = -1
            let failure: SQLiteError
            switch error {
            case let .body(e), let .database(e): failure = e
            }
            let storeError = AppendError.store(StoreError(failure, path: path))
            return results.indices.map { index in
                if case .failure = results[index] { return results[index] }
                return .failure(storeError)
            } + Array(repeating: .failure(storeError), count: members.count - results.count)
        }
        streamIDs.merge(newStreamIDs) { _, new in new }
        if let groupTree {
            frontier = groupTree
            if streamVersions.count + versions.count > 100_000 { streamVersions.removeAll() }
            streamVersions.merge(versions) { _, new in new }
            cachedAtSeq = Int64(groupTree.size)
        }
        return results
    }

    /// Runs a statement without results from the connection's statement cache: the savepoint
    /// statements run twice per group member inside the serial commit, where parsing them anew
    /// each time would hold up every waiting request.
    private func runCached(_ sql: String) throws(SQLiteError) {
        let statement = try connection.cached(sql)
        defer { statement.reset() }
        _ = try statement.step()
    }
}
