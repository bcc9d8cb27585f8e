import Foundation

/// Hands chunks of work produced on several threads to one consumer in chunk order, with at most
/// `window` chunks finished ahead of the consumer so memory stays bounded however long the run.
///
/// Producers either own fixed indexes or `claim` the next unclaimed one, call `put` with it and
/// wait while it is too far ahead; the consumer calls `take` for 0, 1, 2 … in turn. `cancel`
/// releases every waiting producer (their `put` then returns false, their `claim` nil), for a
/// consumer that stops early.
///
/// Claiming keeps every producer busy until the work runs out: with fixed shares, a producer
/// whose thread got less CPU held back the chunk the consumer needed next while the others sat
/// at the window's edge, and whichever finished its share first idled through the other's last
/// chunk.
final class ChunkPipeline<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Result<Value, any Error>] = [:]
    private var consumed = 0
    private var claimed = 0
    private var cancelled = false
    private let window: Int
    private let count: Int

    /// `count` is how many chunks `claim` hands out (0, 1, … count − 1).
    init(window: Int, count: Int = 0) {
        self.window = max(1, window)
        self.count = max(0, count)
    }

    /// The lowest index no producer has claimed yet, now claimed by the caller; nil when every
    /// chunk is claimed or the consumer has cancelled. Each index is handed out exactly once.
    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard !cancelled, claimed < count else { return nil }
        claimed += 1
        return claimed - 1
    }

    /// Delivers chunk `index`; false when the consumer has cancelled and the producer should stop.
    @discardableResult
    func put(_ index: Int, _ value: Result<Value, any Error>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled, index >= consumed + window { condition.wait() }
        guard !cancelled else { return false }
        ready[index] = value
        condition.broadcast()
        return true
    }

    /// Waits for chunk `index` (the one after the last taken) and returns it.
    func take(_ index: Int) throws -> Value {
        condition.lock()
        defer { condition.unlock() }
        while ready[index] == nil { condition.wait() }
        let value = ready.removeValue(forKey: index)!
        consumed = index + 1
        condition.broadcast()
        return try value.get()
    }

    /// Whether a producer should go on to its next chunk.
    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    func cancel() {
        condition.lock()
        cancelled = true
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

extension DispatchGroup {
    /// Runs `body` on a new thread of its own, counted in this group. The read and verify
    /// pipelines wait for their producers; a Dispatch worker could be starved by a saturated pool
    /// (the waiting caller may hold one of its threads), a thread of its own cannot.
    func runOnOwnThread(_ body: @escaping @Sendable () -> Void) {
        enter()
        let group = self
        Thread {
            defer { group.leave() }
            body()
        }.start()
    }
}
