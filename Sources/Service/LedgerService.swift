import CanonicalJSON
import EventLog
import Foundation
import HTTP
import ODA

/// The JSON API under `/v1`: the handler given to `HTTPServer`.
///
/// Every request is routed through ``Route``; every route but health needs a bearer token of an
/// active user (401 otherwise), and ``Authorization`` decides the role and province rules (403).
/// Errors are RFC 9457 problem details. The actor of every appended event is the authenticated
/// user, never a member of the body (an `actor` member is refused).
public final class LedgerService: Sendable {
    public let store: EventStore
    public let users: UserDirectory
    public let validator: EventValidator
    public let metrics = Metrics()
    /// Every append goes through it, so concurrent appends share a transaction (group commit).
    public let appendQueue: AppendQueue
    /// The decoded flags, re-read only when the ledger has moved.
    let flagQueue = FlagQueue()
    /// Finished project, history and flag-list responses, reused while the head stays put.
    let responseCache: ResponseCache
    /// The head seq for health and the cache keys, re-read only when the ledger file changed.
    let headWatch: LedgerHeadWatch
    /// Receives the cause of every 500, which the client sees only as "see the server's log", so
    /// that file paths and SQLite messages stay on the server.
    let errorLog: (@Sendable (String) -> Void)?

    /// Events returned by one read at most; a `limit` above it is refused.
    public static let maximumPageSize: Int64 = 1_000
    public static let defaultPageSize: Int64 = 100

    /// `cachesResponses` false computes every read afresh (tests compare both ways).
    public init(store: EventStore, users: UserDirectory, validator: EventValidator = EventValidator(),
                cachesResponses: Bool = true, errorLog: (@Sendable (String) -> Void)? = nil) {
        self.store = store
        responseCache = cachesResponses ? ResponseCache() : ResponseCache(capacity: 0)
        appendQueue = AppendQueue(store: store)
        headWatch = LedgerHeadWatch(path: store.path)
        self.users = users
        self.validator = validator
        self.errorLog = errorLog
    }

    /// Answers one request; never throws, never blocks beyond the store's own waits.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        // Without a deferral every route answers here.
        handle(request, deferral: nil)!
    }

    /// The handler for `HTTPServer(configuration:deferringHandler:)`: as ``handle(_:)``, except
    /// that an append is answered later, by the group commit's thread once the events are
    /// durable (nil is returned then), so the connection's thread does not wait for the commit.
    public func handle(_ request: HTTPRequest, deferral: ResponseDeferral?) -> HTTPResponse? {
        let response: HTTPResponse
        do {
            guard let answered = try dispatch(request, deferral: deferral) else { return nil }
            response = answered
        } catch let problem as ProblemDetails {
            response = problem.response
        } catch {
            errorLog?("\(request.method) \(request.path): \(error)")
            response = ProblemDetails(.internalServerError, "internal", "the ledger could not answer this request; the server's log has the cause").response
        }
        metrics.record(status: response.status.code)
        return response
    }

    /// Nil when the route answers later through `deferral`.
    private func dispatch(_ request: HTTPRequest, deferral: ResponseDeferral?) throws -> HTTPResponse? {
        let path = request.path
        let candidates = Route.candidates(for: path)
        guard !candidates.isEmpty else {
            throw ProblemDetails(.notFound, "not-found", "no resource at \(path); the API's routes are listed in Schemas/openapi.json")
        }
        guard let (route, parameters) = candidates.first(where: { $0.0.method == request.method }) else {
            let allowed = candidates.map(\.0.method).joined(separator: ", ")
            var response = ProblemDetails(.methodNotAllowed, "method-not-allowed", "\(path) accepts \(allowed), not \(request.method)").response
            response.headers.set(name: "Allow", value: allowed)
            return response
        }
        guard route.requiresAuthentication else { return try health() }
        let user = try authenticate(request)
        try Authorization.check(route, user: user)
        switch route {
        case .health: return try health()
        case .metrics: return Self.json(metricsJSON())
        case .appendEvents: return try appendEvents(request, user: user, deferral: deferral)
        case .listEvents: return try listEvents(request, stream: nil)
        case .projectEvents:
            let stream = "project:" + (parameters["id"] ?? "")
            try ProvinceScope.checkRead(projectStream: stream, by: user, store: store)
            return try listEvents(request, stream: stream)
        case .projectState, .projectHistory:
            let id = parameters["id"] ?? ""
            try ProvinceScope.checkRead(projectStream: "project:" + id, by: user, store: store)
            return try cached(route, resource: id, request, province: nil) {
                try project(id, request, history: route == .projectHistory)
            }
        case .portfolio: return try portfolio(request, user: user)
        case .listFlags:
            return try cached(route, resource: "", request, province: user.province?.code) {
                try listFlags(request, user: user)
            }
        case .flagDetail: return try flagDetail(parameters["id"] ?? "", request, user: user)
        case .caseAction: return try caseAction(parameters["id"] ?? "", request, user: user)
        case .listCosignatures: return try cosignatures(size: parameters["size"] ?? "", request)
        case .submitCosignature: return try submitCosignature(size: parameters["size"] ?? "", request)
        case .latestCheckpoint: return try latestCheckpoint(request)
        case .inclusionProof: return try inclusionProof(request)
        case .consistencyProof: return try consistencyProof(request)
        }
    }

    /// The response for `route` as of the current head: from ``responseCache`` when the same
    /// read was answered at this head, else from `compute` (and stored). Authorization has run.
    private func cached(_ route: Route, resource: String, _ request: HTTPRequest, province: String?,
                        _ compute: () throws -> HTTPResponse) throws -> HTTPResponse {
        guard responseCache.capacity > 0 else { return try compute() }
        let position = try headSeq()
        let key = ResponseCache.Key(route: route, resource: resource, query: request.query, province: province)
        if let hit = responseCache.response(for: key, at: position) { return hit }
        let response = try compute()
        responseCache.store(response, for: key, at: position)
        return response
    }

    /// The active user named by `Authorization: Bearer <token>`. The token is never logged, nor
    /// echoed in a problem.
    private func authenticate(_ request: HTTPRequest) throws -> User {
        guard let header = request.headers["Authorization"] else {
            throw ProblemDetails(.unauthorized, "unauthenticated", "send Authorization: Bearer <token> (create one with `oda-ledger user add`)")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw ProblemDetails(.unauthorized, "unauthenticated", "send Authorization: Bearer <token>; this header has another scheme or no token")
        }
        switch users.authentication(token: Self.trimmingBlanks(parts[1])) {
        case let .valid(user):
            return user
        case let .expired(user):
            throw ProblemDetails(.unauthorized, "token-expired",
                "the bearer token of user \(user.name) expired at \(user.expiresAt ?? "an earlier time"); an admin issues a new one with `oda-ledger user renew --name \(user.name)`",
                extra: [("expiredAt", user.expiresAt.map(JSONValue.string) ?? .null)])
        case .invalid:
            throw ProblemDetails(.unauthorized, "unauthenticated", "the bearer token is unknown, revoked or malformed")
        }
    }

    /// The token without surrounding spaces or tabs (the only whitespace a header value may hold).
    private static func trimmingBlanks(_ text: Substring) -> String {
        let bytes = text.utf8
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start = bytes.index(after: start) }
        while end > start {
            let before = bytes.index(before: end)
            guard bytes[before] == UInt8(ascii: " ") || bytes[before] == UInt8(ascii: "\t") else { break }
            end = before
        }
        return String(decoding: bytes[start ..< end], as: UTF8.self)
    }

    private func metricsJSON() -> JSONValue {
        guard case var .object(object) = metrics.json else { return metrics.json }
        let groups = appendQueue.statistics
        object["appendGroups"] = .integer(groups.groups)
        object["appendRequestsGrouped"] = .integer(groups.requests)
        object["largestAppendGroup"] = .integer(Int64(groups.largestGroup))
        object["appendCommitterHandOffs"] = .integer(groups.handOffs)
        let cache = responseCache.statistics
        object["responseCacheHits"] = .integer(cache.hits)
        object["responseCacheMisses"] = .integer(cache.misses)
        return .object(object)
    }

    private func health() throws -> HTTPResponse {
        Self.json(["status": "ok", "size": .integer(try headSeq())])
    }

    /// The ledger's head seq as of now: from ``headWatch``, or from the store if the watch failed.
    func headSeq() throws -> Int64 {
        if let seq = headWatch.headSeq() { return seq }
        return try store.head().seq
    }

    static func json(_ value: JSONValue, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: value.canonicalBytes)
    }
}
