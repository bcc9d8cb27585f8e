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
    /// checks of ``append(_:actor:)`` (expected versions, idempotency keys, checkpoint policy)
    /// against the ledger as the members before it left it. A member that fails is rolled back to
    /// its savepoint and gets its own error; the members after it continue. The result at index
    /// `i` belongs to `members[i]`, and members are recorded in the order given, so seqs stay
    /// gap-free.
    ///
    /// The registered projectors are applied once per group, to all the group's new events in seq
    /// order, in the same transaction: a projector's per-call work (its checkpoint row, its caches)
    /// is then paid once per group rather than once per request. If that combined projection
    /// fails, the whole transaction is rolled back and the group is recorded again with each
    /// member projected inside its own savepoint, exactly as ``append(_:actor:)`` would, so the
    /// member whose events a projector refuses gets that error and the others still commit.
    ///
    /// Returns only after the transaction has committed: a `.success` is durable (with the default
    /// durability, synced). When the transaction itself cannot begin or commit (disk full, I/O
    /// error, lock timeout), every member that would have succeeded gets that `.store` error, and
    /// nothing of the group is recorded.
    public func appendGroup(_ members: [GroupMember]) -> [Result<[AppendOutcome], AppendError>] {
        guard let writer else {
            return members.map { _ in .failure(.store(.readOnly(path: path))) }
        }
        return writer.withLock { writer in
            if !writer.projectors.isEmpty, let results = writer.appendGroup(members, projection: .oncePerGroup) {
                return results
            }
            // Only `.oncePerGroup` can answer nil; the per-member path always has results.
            return writer.appendGroup(members, projection: .perMember)!
        }
    }
}

/// Where a group commit applies the projectors.
enum GroupProjection {
    /// After every member, to all the group's new events at once (the fast path).
    case oncePerGroup
    /// Inside each member's savepoint, as a single append does (the reference path, and the
    /// fallback when the combined projection fails).
    case perMember
}

extension Writer {
    /// Records `members` in one transaction. With `.oncePerGroup`, returns nil when the combined
    /// projection failed: the transaction was then rolled back, nothing was recorded, and the
    /// writer's caches are as they were before the call.
    func appendGroup(_ members: [GroupMember], projection: GroupProjection) -> [Result<[AppendOutcome], AppendError>]? {
        var newStreamIDs: [String: Int64] = [:]
        var versions: [Int64: Int64] = [:]
        var groupTree: MerkleFrontier?
        var results: [Result<[AppendOutcome], AppendError>] = []
        results.reserveCapacity(members.count)
        let registered = projectors
        let frontierBefore = frontier
        let cachedAtSeqBefore = cachedAtSeq
        // The members' own appends must not project when the group projects for them; the writer
        // lock is held, so nobody else sees the projectors missing meanwhile.
        if projection == .oncePerGroup { projectors = [] }
        defer { projectors = registered }
        do {
            try connection.transaction(.immediate) { () throws(GroupFailure) in
                do throws(SQLiteError) {
                    try recordMembers(members, newStreamIDs: &newStreamIDs, versions: &versions, groupTree: &groupTree, results: &results)
                } catch {
                    throw .database(error)
                }
                guard projection == .oncePerGroup else { return }
                // Members are recorded in order and seqs are gap-free, so the new events are
                // head+1... in seq order, and the head before the group is the first one's seq - 1.
                var newEvents: [RecordedEvent] = []
                for case let .success(outcomes) in results {
                    for outcome in outcomes where !outcome.wasAlreadyRecorded { newEvents.append(outcome.event) }
                }
                guard let first = newEvents.first else { return }
                projectors = registered
                do {
                    try project(newEvents, headBefore: first.seq - 1)
                } catch {
                    throw .projection
                }
            }
        } catch {
            frontier = nil
            cachedAtSeq = -1
            let failure: SQLiteError
            switch error {
            case .body(.projection):
                frontier = frontierBefore
                cachedAtSeq = cachedAtSeqBefore
                return nil
            case let .body(.database(e)), let .database(e): failure = e
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

    /// Why a group's transaction body stopped.
    private enum GroupFailure: Error {
        /// SQLite ended or refused the transaction itself: every member fails.
        case database(SQLiteError)
        /// The combined projection failed: the group is recorded again, projected per member.
        case projection
    }

    /// Records each member in its own savepoint, appending its result to `results`.
    private func recordMembers(
        _ members: [GroupMember], newStreamIDs: inout [String: Int64], versions: inout [Int64: Int64],
        groupTree: inout MerkleFrontier?, results: inout [Result<[AppendOutcome], AppendError>]
    ) throws(SQLiteError) {
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

    /// Runs a statement without results from the connection's statement cache: the savepoint
    /// statements run twice per group member inside the serial commit, where parsing them anew
    /// each time would hold up every waiting request.
    private func runCached(_ sql: String) throws(SQLiteError) {
        let statement = try connection.cached(sql)
        defer { statement.reset() }
        _ = try statement.step()
    }
}
