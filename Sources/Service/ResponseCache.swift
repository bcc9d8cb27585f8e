import Foundation
import HTTP
import Synchronization

/// Finished responses of reads that depend only on the ledger's contents (project state and
/// history, the flag list), reused while the ledger stays at the head seq they were made at.
///
/// Why: the same project or flag query is read far more often than the ledger changes, and
/// answering it again means reading SQLite and encoding JSON again for identical bytes. A hit
/// costs the head read that keys it and a dictionary lookup.
///
/// What is guaranteed:
/// - An entry is served only for the exact head seq it was stored under; when a request sees
///   another head, every entry is dropped. The seq a response is stored under is read *before*
///   the response is made, and the ledger only grows, so a later request that sees the same seq
///   sees a ledger with nothing added since: the stored bytes are exactly what it would compute.
///   Appends by other processes on the same file move the head too, so they invalidate as well.
/// - Authorization is not cached: the role and province checks run for every request before
///   the cache is consulted, and the key holds the reader's province for routes whose content
///   depends on it.
/// - Only 200 responses are stored; errors are always computed afresh.
/// - At most ``capacity`` entries and ``maximumBytes`` of bodies are held; beyond that a new
///   response is simply not stored.
///
/// `@unchecked Sendable`: `current` is read and replaced only under `lock`, and what it points to
/// never changes after it is published.
final class ResponseCache: @unchecked Sendable {
    struct Key: Hashable, Sendable {
        let route: Route
        /// The path parameter (project id), empty when the route has none.
        let resource: String
        /// The query's `name=value` pairs as sent, sorted, so parameter order does not matter.
        let query: [Substring]
        /// The reader's province when the content is filtered by it, else nil.
        let province: String?

        init(route: Route, resource: String, query: Substring?, province: String?) {
            self.route = route
            self.resource = resource
            self.query = (query ?? "").split(separator: "&", omittingEmptySubsequences: true).sorted()
            self.province = province
        }
    }

    /// The entries of one head seq. Immutable once published, so a lookup runs outside the lock.
    private final class Generation: Sendable {
        let position: Int64
        let entries: [Key: HTTPResponse]
        let bytes: Int

        init(position: Int64, entries: [Key: HTTPResponse] = [:], bytes: Int = 0) {
            self.position = position
            self.entries = entries
            self.bytes = bytes
        }
    }

    let capacity: Int
    let maximumBytes: Int
    /// Guards only the swap of `current`: a hit holds it for one reference copy. NSLock rather
    /// than `Mutex`, whose priority-inheritance futex made this lock a quarter of the CPU of a
    /// cached read with 64 connection threads.
    private let lock = NSLock()
    private var current = Generation(position: -1)
    private let hits = Atomic<Int64>(0)
    private let misses = Atomic<Int64>(0)

    /// `capacity` 0 turns the cache off: every lookup misses and nothing is stored.
    init(capacity: Int = 4_096, maximumBytes: Int = 64 << 20) {
        self.capacity = capacity
        self.maximumBytes = maximumBytes
    }

    private var generation: Generation {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// The response stored for `key` at ledger head `position`, if any.
    func response(for key: Key, at position: Int64) -> HTTPResponse? {
        guard capacity > 0 else { return nil }
        let generation = generation
        if generation.position == position, let hit = generation.entries[key] {
            hits.add(1, ordering: .relaxed)
            return hit
        }
        misses.add(1, ordering: .relaxed)
        if position > generation.position {
            // A newer head makes every entry stale; an older one (a reader that started before an
            // append) just misses without discarding the newer entries.
            lock.lock()
            if position > current.position { current = Generation(position: position) }
            lock.unlock()
        }
        return nil
    }

    /// Stores a 200 response computed after reading head `position`. Copies the generation's
    /// entries (stores happen only on misses, at most ``capacity`` times per head).
    func store(_ response: HTTPResponse, for key: Key, at position: Int64) {
        guard capacity > 0, response.status == .ok else { return }
        lock.lock()
        defer { lock.unlock() }
        let old = current
        guard old.position == position, old.entries[key] == nil, old.entries.count < capacity,
              old.bytes + response.body.count <= maximumBytes else { return }
        var entries = old.entries
        entries[key] = response
        current = Generation(position: position, entries: entries, bytes: old.bytes + response.body.count)
    }

    /// Hits and misses since start.
    var statistics: (hits: Int64, misses: Int64) {
        (hits.load(ordering: .relaxed), misses.load(ordering: .relaxed))
    }
}
