import EventLog
import Foundation

/// Group commit: appends from concurrent requests wait here, and one committer at a time records
/// everything waiting in one transaction (``EventStore/appendGroup(_:)``), so 64 clients pay for
/// one sync to disk rather than 64.
///
/// Each request hands over its batch with a completion (``submit(_:actor:completion:)``) and its
/// thread is free at once: the HTTP service's completion writes the response to the client itself,
/// so no request thread sleeps on the commit and has to be woken after it.
///
/// Who commits: a request that finds no commit in progress commits at once, on its own thread,
/// the group it leads (its own batch first, then whatever else waits, up to
/// ``maximumGroupSize`` requests): a lone client waits for no other thread. If more requests
/// arrived meanwhile, it hands them to the queue's committer thread, which commits group after
/// group while requests keep arriving and sleeps when none wait. Nobody waits for a timer: under
/// load, groups form while the previous one syncs.
///
/// What is guaranteed: each completion runs exactly once, after its batch is committed (durable)
/// or refused, and only then; a member's refusal (version conflict, idempotency conflict) does not
/// affect the others in its group. Completions run on the leading request's thread or on one
/// serial queue beside the committer thread, so they must not block.
public final class AppendQueue: @unchecked Sendable {
    public static let maximumGroupSize = 256

    public typealias Completion = @Sendable (Result<[AppendOutcome], AppendError>) -> Void

    private let store: EventStore
    // `pending`, `committing`, `committerRunning` and the statistics are guarded by `lock`.
    private let lock = NSLock()
    private var pending: [Ticket] = []
    private var committing = false
    /// Whether the committer thread exists. It ends after ``committerIdleTime`` without work, so
    /// an idle queue holds no thread (nor, through it, the store).
    private var committerRunning = false
    /// Signalled (under `lock`) when the committer thread is handed the commit.
    private let committerWork = DispatchSemaphore(value: 0)
    /// Where the committer thread's groups are answered, in their commit order: while one group's
    /// responses are built and written, the committer already commits the next group (one
    /// hand-over per group, not one wake-up per request).
    private let answering = DispatchQueue(label: "append-answers")
    static let committerIdleTime = DispatchTimeInterval.seconds(1)
    private var groups: Int64 = 0
    private var members: Int64 = 0
    private var largest = 0
    private var handOffs: Int64 = 0

    public init(store: EventStore) {
        self.store = store
    }

    /// One waiting request.
    private struct Ticket {
        let member: GroupMember
        let completion: Completion
    }

    /// Appends `events` as `actor`, together with whatever other requests are waiting, and calls
    /// `completion` once they are committed (or refused): on this thread before returning when
    /// this request leads its group, else later on the committing thread.
    public func submit(_ events: [ProposedEvent], actor: Actor, completion: @escaping Completion) {
        lock.lock()
        pending.append(Ticket(member: GroupMember(events: events, actor: actor), completion: completion))
        let leads = !committing
        committing = true
        lock.unlock()
        guard leads else { return }
        commitGroup(answersHere: true)
        lock.lock()
        defer { lock.unlock() }
        guard !pending.isEmpty else {
            committing = false
            return
        }
        handOffs += 1
        if !committerRunning {
            committerRunning = true
            startCommitter()
        }
        // Under the lock, so an idle committer deciding to end (also under it) either takes
        // this signal or is known to have ended and was replaced just above.
        committerWork.signal()
    }

    /// Appends `events` as `actor` with whatever other requests are waiting; returns once
    /// committed (or refused).
    public func append(_ events: [ProposedEvent], actor: Actor) -> Result<[AppendOutcome], AppendError> {
        let box = ResultBox()
        submit(events, actor: actor) { result in box.set(result) }
        return box.wait()
    }

    /// Statistics since start: groups committed, requests in them, the largest group, and how
    /// often a leading request handed further groups to the committer thread.
    public var statistics: (groups: Int64, requests: Int64, largestGroup: Int, handOffs: Int64) {
        lock.lock()
        defer { lock.unlock() }
        return (groups, members, largest, handOffs)
    }

    /// Takes the waiting requests (at most ``maximumGroupSize``), records them in one transaction
    /// and runs their completions: on this thread when a request leads (a lone client waits for
    /// no other thread), else on ``answering``. The caller holds the commit (`committing`).
    private func commitGroup(answersHere: Bool) {
        lock.lock()
        let group = Array(pending.prefix(Self.maximumGroupSize))
        pending.removeFirst(group.count)
        lock.unlock()
        guard !group.isEmpty else { return }

        let results = store.appendGroup(group.map(\.member))

        lock.lock()
        groups += 1
        members += Int64(group.count)
        largest = max(largest, group.count)
        lock.unlock()
        let answer: @Sendable () -> Void = {
            for (index, ticket) in group.enumerated() { ticket.completion(results[index]) }
        }
        if answersHere { answer() } else { answering.async(execute: answer) }
    }

    /// The committer thread: once handed the commit, commits group after group until nothing
    /// waits, then gives the commit up and sleeps; ends when idle for ``committerIdleTime``.
    /// Holds the queue only while it works, so a queue nobody uses any more is freed.
    private func startCommitter() {
        let work = committerWork
        let thread = Thread { [weak self] in
            while true {
                let handed = work.wait(timeout: .now() + Self.committerIdleTime) == .success
                guard let queue = self else { return }
                if !handed, queue.endIfIdle() { return }
                if handed { queue.commitUntilNoneWait() }
            }
        }
        thread.name = "append-committer"
        thread.start()
    }

    private func commitUntilNoneWait() {
        while true {
            commitGroup(answersHere: false)
            lock.lock()
            let done = pending.isEmpty
            if done { committing = false }
            lock.unlock()
            if done { return }
        }
    }

    /// Called by the committer after waiting in vain: ends it unless work was handed over
    /// meanwhile (the hand-over signals under the same lock).
    private func endIfIdle() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if committerWork.wait(timeout: .now()) == .success {
            // Handed over just now: keep the signal for the next wait.
            committerWork.signal()
            return false
        }
        committerRunning = false
        return true
    }

    /// One result handed from the committing thread to a waiting caller.
    private final class ResultBox: @unchecked Sendable {
        private var result: Result<[AppendOutcome], AppendError>?
        private let done = DispatchSemaphore(value: 0)

        /// Called once, before `done` is signalled; read after the wait.
        func set(_ value: Result<[AppendOutcome], AppendError>) {
            result = value
            done.signal()
        }

        func wait() -> Result<[AppendOutcome], AppendError> {
            done.wait()
            return result ?? .failure(.emptyBatch)
        }
    }
}
