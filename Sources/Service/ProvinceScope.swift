import CanonicalJSON
import EventLog
import ODA

/// The province rule for provincial staff, enforceable from the catalogue alone.
///
/// A project's provinces are those of its most recent `LocationAllocationRevised` (the only
/// catalogue event naming provinces). A user with a province:
/// - reads a project's events only when the project's provinces include theirs;
/// - appends only to `project:` streams (organisations, exchange rates and users are national);
/// - on each project stream of a batch, needs their province both in the project's recorded
///   allocation (when it has one: they cannot take over another province's project) and in the
///   allocation the project has after the batch (they cannot move it out of their province, and a
///   new project must carry a `LocationAllocationRevised` naming their province in the same batch).
///
/// The check and the append are not one transaction, so ``checkAppend(_:by:store:pointerPrefix:)``
/// pins `expectedVersion` on the first event of each stream (when the request gave none) to the
/// version read *before* the allocation: if another writer changes the stream in between, the append
/// is refused with 409 instead of going through on a stale province check. (An idempotent retry
/// skips version checks; it only returns the event recorded earlier.)
enum ProvinceScope {
    /// The provinces of the latest recorded location allocation of project `id` (empty: none).
    static func provinces(ofProjectStream stream: String, store: EventStore) throws -> Set<String>? {
        var latest: RecordedEvent?
        try store.read(EventQuery(stream: stream, type: "LocationAllocationRevised")) { event in
            latest = event
            return true
        }
        return latest.map { provinces(in: $0.envelope.payload) }
    }

    static func provinces(in payload: JSONObject) -> Set<String> {
        Set((payload["allocations"]?.arrayValue ?? []).compactMap { $0.objectValue?["province"]?.stringValue })
    }

    /// Throws a 403 problem naming the first event `user` may not append under the rule above;
    /// returns the events to append, with `expectedVersion` pinned as described above.
    static func checkAppend(_ events: [ProposedEvent], by user: User, store: EventStore,
                            pointerPrefix: (Int) -> String) throws -> [ProposedEvent] {
        guard let province = user.province?.code else { return events }
        var pinned = events
        var finalAllocation: [String: (index: Int, provinces: Set<String>)] = [:]
        var firstIndex: [String: Int] = [:]
        for (index, event) in events.enumerated() {
            guard event.stream.hasPrefix("project:") else {
                throw ProblemDetails(.forbidden, "province-scope",
                    "\(user.name) is provincial staff of \(province) and may append only to project streams; \(event.stream) is national",
                    extra: [("pointer", .string(pointerPrefix(index) + "/stream"))])
            }
            if firstIndex[event.stream] == nil { firstIndex[event.stream] = index }
            if event.type == "LocationAllocationRevised" {
                finalAllocation[event.stream] = (index, provinces(in: event.payload))
            }
        }
        for (stream, index) in firstIndex.sorted(by: { $0.value < $1.value }) {
            // The version first: a change after this read makes the pinned append fail.
            let version = try store.version(of: stream)
            let recorded = try provinces(ofProjectStream: stream, store: store)
            if pinned[index].expectedVersion == nil { pinned[index].expectedVersion = version }
            if let recorded, !recorded.contains(province) {
                throw ProblemDetails(.forbidden, "province-scope",
                    "\(stream) is located in \(recorded.sorted().joined(separator: ", ")), not in \(user.name)'s province \(province)",
                    extra: [("pointer", .string(pointerPrefix(index) + "/stream"))])
            }
            if let final = finalAllocation[stream] {
                guard final.provinces.contains(province) else {
                    throw ProblemDetails(.forbidden, "province-scope",
                        "the location allocation must keep \(user.name)'s province \(province) among its provinces",
                        extra: [("pointer", .string(pointerPrefix(final.index) + "/payload/allocations"))])
                }
            } else if recorded == nil {
                throw ProblemDetails(.forbidden, "province-scope",
                    "\(stream) has no location allocation yet; provincial staff must include a LocationAllocationRevised naming \(province) in the same request",
                    extra: [("pointer", .string(pointerPrefix(index) + "/stream"))])
            }
        }
        return pinned
    }

    /// Throws a 403 problem unless `user` may read project stream `stream`.
    static func checkRead(projectStream stream: String, by user: User, store: EventStore) throws {
        guard let province = user.province?.code else { return }
        let recorded = try provinces(ofProjectStream: stream, store: store) ?? []
        guard recorded.contains(province) else {
            throw ProblemDetails(.forbidden, "province-scope",
                "\(user.name) is provincial staff of \(province); \(stream) is not located in \(province)")
        }
    }
}
