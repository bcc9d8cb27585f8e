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
final class ResponseCache: Sendable {
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

    private struct State {
        var position: Int64 = -1
        var entries: [Key: HTTPResponse] = [:]
        var bytes = 0
        var hits: Int64 = 0
        var misses: Int64 = 0
    }

    let capacity: Int
    let maximumBytes: Int
    private let state = Mutex(State())

    /// `capacity` 0 turns the cache off: every lookup misses and nothing is stored.
    init(capacity: Int = 4_096, maximumBytes: Int = 64 << 20) {
        self.capacity = capacity
        self.maximumBytes = maximumBytes
    }

    /// The response stored for `key` at ledger head `position`, if any.
    func response(for key: Key, at position: Int64) -> HTTPResponse? {
        guard capacity > 0 else { return nil }
        return state.withLock { s in
            if s.position != position {
                // A newer head makes every entry stale; an older one (a reader that started before
                // an append) just misses without discarding the newer entries.
                if position > s.position {
                    s.position = position
                    s.entries.removeAll(keepingCapacity: true)
                    s.bytes = 0
                }
                s.misses += 1
                return nil
            }
            guard let hit = s.entries[key] else {
                s.misses += 1
                return nil
            }
            s.hits += 1
            return hit
        }
    }

    /// Stores a 200 response computed after reading head `position`.
    func store(_ response: HTTPResponse, for key: Key, at position: Int64) {
        guard capacity > 0, response.status == .ok else { return }
        state.withLock { s in
            guard s.position == position, s.entries.count < capacity,
                  s.bytes + response.body.count <= maximumBytes else { return }
            let replaced = s.entries.updateValue(response, forKey: key)
            s.bytes += response.body.count - (replaced?.body.count ?? 0)
        }
    }

    /// Hits and misses since start.
    var statistics: (hits: Int64, misses: Int64) {
        state.withLock { ($0.hits, $0.misses) }
    }
}
