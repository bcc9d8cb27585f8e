import CanonicalJSON
import Synchronization

/// Simple counters since the service started: requests by status class and events appended.
/// Atomics, so counting never contends with the requests it counts.
public final class Metrics: Sendable {
    private let requests = Atomic<Int64>(0)
    private let status2xx = Atomic<Int64>(0)
    private let status4xx = Atomic<Int64>(0)
    private let status5xx = Atomic<Int64>(0)
    private let appended = Atomic<Int64>(0)
    private let unauthorized = Atomic<Int64>(0)

    public init() {}

    func record(status: Int) {
        requests.add(1, ordering: .relaxed)
        switch status {
        case 200 ..< 300: status2xx.add(1, ordering: .relaxed)
        case 401: status4xx.add(1, ordering: .relaxed); unauthorized.add(1, ordering: .relaxed)
        case 400 ..< 500: status4xx.add(1, ordering: .relaxed)
        case 500...: status5xx.add(1, ordering: .relaxed)
        default: break
        }
    }

    func recordAppended(_ count: Int) { appended.add(Int64(count), ordering: .relaxed) }

    var json: JSONValue {
        var object = JSONObject()
        object["requests"] = .integer(requests.load(ordering: .relaxed))
        object["responses2xx"] = .integer(status2xx.load(ordering: .relaxed))
        object["responses4xx"] = .integer(status4xx.load(ordering: .relaxed))
        object["responses5xx"] = .integer(status5xx.load(ordering: .relaxed))
        object["unauthorized"] = .integer(unauthorized.load(ordering: .relaxed))
        object["eventsAppended"] = .integer(appended.load(ordering: .relaxed))
        return .object(object)
    }
}
