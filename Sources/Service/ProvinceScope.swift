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

    /// Throws a 403 problem naming the first event `user` may not append under the rule above.
    static func checkAppend(_ events: [ProposedEvent], by user: User, store: EventStore, pointerPrefix: (Int) -> String) throws {
        guard let province = user.province?.code else { return }
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
            let recorded = try provinces(ofProjectStream: stream, store: store)
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
