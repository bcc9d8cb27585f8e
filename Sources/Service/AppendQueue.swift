import EventLog
import Foundation

/// Group commit: appends from concurrent requests wait here, and one committer at a time records
/// everything waiting in one transaction (``EventStore/appendGroup(_:)``), so 64 clients pay for
/// one sync to disk rather than 64.
///
/// There is no committer thread of its own: the request that finds no commit in progress commits
/// the group it leads (its own batch first, then whatever else waits, up to
/// ``maximumGroupSize`` requests) and hands each member its result. If more requests arrived
/// during that commit, it commits them as the next group itself (it is running already; a woken
/// waiter would first have to be scheduled), up to ``maximumGroupsPerLeader`` groups, and then
/// wakes the oldest waiter to lead. Nobody waits for a timer: a lone client is committed at once;
/// under load, groups form while the previous one syncs.
///
/// Each caller returns only once its own batch is committed (durable) or refused; a member's
/// refusal (version conflict, idempotency conflict) does not affect the others in its group.
public final class AppendQueue: @unchecked Sendable {
    public static let maximumGroupSize = 256

    private let store: EventStore
    // `pending`, `committing` and the statistics are guarded by `lock`.
    private let lock = NSLock()
    private var pending: [Ticket] = []
    private var committing = false
    private var groups: Int64 = 0
    private var members: Int64 = 0
    private var largest = 0

    public init(store: EventStore) {
        self.store = store
    }

    /// One waiting request. `result` is written by the committer before `done` is signalled, and
    /// read by the waiter after; a signal with no result means "you lead the next group".
    private final class Ticket: @unchecked Sendable {
        let member: GroupMember
        var result: Result<[AppendOutcome], AppendError>?
        let done = DispatchSemaphore(value: 0)
        init(_ member: GroupMember) { self.member = member }
    }

    /// Appends `events` as `actor`, together with whatever other requests are waiting; returns once
    /// committed (or refused).
    public func append(_ events: [ProposedEvent], actor: Actor) -> Result<[AppendOutcome], AppendError> {
        let ticket = Ticket(GroupMember(events: events, actor: actor))
        lock.lock()
        pending.append(ticket)
        let leads = !committing
        committing = true
        lock.unlock()
        if !leads {
            ticket.done.wait()
            if let result = ticket.result { return result }
        }
        commitGroup()
        // The leader's ticket is always the first of its group, so its result is set by now.
        return ticket.result ?? .failure(.emptyBatch)
    }

    /// Statistics since start: groups committed, requests in them, the largest group.
    public var statistics: (groups: Int64, requests: Int64, largestGroup: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (groups, members, largest)
    }

    /// Takes the waiting requests (the caller's own first), records them and answers them; while
    /// more are waiting, commits the next group too (up to ``maximumGroupsPerLeader`` in all), then
    /// passes the lead on or ends the commit.
    ///
    /// Why the leader goes on: it is running already, whereas a waiter handed the lead must first
    /// be woken and scheduled, and on a busy machine nothing commits meanwhile. The cap bounds how
    /// long the leader's own client waits for its answer (its result is known after the first
    /// group, but its thread writes the response only when it returns).
    private func commitGroup() {
        var rounds = 0
        while true {
            lock.lock()
            let group = Array(pending.prefix(Self.maximumGroupSize))
            pending.removeFirst(group.count)
            lock.unlock()

            let results = store.appendGroup(group.map(\.member))
            rounds += 1

            lock.lock()
            groups += 1
            members += Int64(group.count)
            largest = max(largest, group.count)
            let continues = !pending.isEmpty && rounds < Self.maximumGroupsPerLeader
            let next = continues ? nil : pending.first
            if !continues && next == nil { committing = false }
            lock.unlock()

            // The next leader first: its commit should not wait while this group's members wake.
            next?.done.signal()
            // The leader's own ticket is the first of its first group; it is not waiting.
            for (index, ticket) in group.enumerated() {
                ticket.result = results[index]
                if rounds > 1 || index > 0 { ticket.done.signal() }
            }
            guard continues else { return }
        }
    }

    /// Groups one leader commits before handing the lead to a waiter.
    public static let maximumGroupsPerLeader = 4
}
