import CanonicalJSON
import EventLog
import HTTP
import Inspection
import ODA

extension LedgerService {
    /// `POST /v1/events`: one proposed event (an object) or a batch (an array), all or nothing.
    ///
    /// With a `deferral`, the validated batch joins the group commit and nil is returned: the
    /// response is sent by the committing thread once the batch is durable (or refused), so the
    /// connection's thread does not sleep on the commit. Either way the client is answered 201
    /// only after the commit, i.e. after the sync to disk.
    func appendEvents(_ request: HTTPRequest, user: User, deferral: ResponseDeferral?) throws -> HTTPResponse? {
        _ = try QueryParameters(request.query, allowed: [])
        guard MediaType.isJSON(request.headers["Content-Type"]) else {
            throw ProblemDetails(.unsupportedMediaType, "unsupported-media-type", "send the events as Content-Type: application/json")
        }
        let body: JSONValue
        do {
            body = try JSONValue.parse(request.body)
        } catch {
            throw ProblemDetails(.badRequest, "invalid-json", "the body is not valid JSON: \(error)")
        }
        let items: [JSONValue]
        let isBatch: Bool
        switch body {
        case let .array(values): items = values; isBatch = true
        case .object: items = [body]; isBatch = false
        default: throw ProblemDetails(.badRequest, "invalid-json", "the body must be one event object or an array of them")
        }
        guard !items.isEmpty else { throw ProblemDetails(.unprocessableContent, "empty-batch", "the array holds no events: nothing to append") }
        func prefix(_ index: Int) -> String { isBatch ? "/\(index)" : "" }
        var events: [ProposedEvent] = []
        for (index, item) in items.enumerated() {
            do {
                events.append(try ProposedEvent(json: item))
            } catch {
                let pointer = prefix(index) + (error.pointer ?? "")
                throw ProblemDetails(.unprocessableContent, "invalid-event", "\(isBatch ? "event \(index + 1): " : "")\(error)",
                                     extra: [("pointer", .string(pointer))])
            }
        }
        for (index, event) in events.enumerated() where !user.role.mayAppend(type: event.type) {
            throw ProblemDetails(.forbidden, "forbidden",
                "the \(user.role.rawValue) role may not append \(event.type) events",
                extra: [("pointer", .string(prefix(index) + "/type"))])
        }
        // A case event through this route would bypass the case workflow's checks and its
        // inspectors-only rule: they are recorded by POST /v1/flags/{id}/actions alone.
        for (index, event) in events.enumerated() where CaseAction.eventTypes.contains(event.type) {
            throw ProblemDetails(.forbidden, "forbidden",
                "\(event.type) events are recorded through POST /v1/flags/{id}/actions, which checks the case workflow",
                extra: [("pointer", .string(prefix(index) + "/type"))])
        }
        events = try ProvinceScope.checkAppend(events, by: user, store: store, pointerPrefix: prefix)
        let validated: [ProposedEvent]
        do {
            // Validation reads the ledger and pins the expected versions of the streams it read,
            // so it runs here, concurrently; only the commit itself is grouped with other requests.
            validated = try validator.validate(events, actor: user.actor, store: store)
        } catch {
            throw ProblemDetails(.unprocessableContent, "validation", error.rule + "; nothing was appended",
                                 extra: [("pointer", .string(prefix(error.index) + error.pointer))])
        }
        guard let deferral else {
            return try appendResponse(appendQueue.append(validated, actor: user.actor), isBatch: isBatch)
        }
        let pending = deferral.answerLater()
        appendQueue.submit(validated, actor: user.actor) { [self] result in
            let response: HTTPResponse
            do throws(ProblemDetails) {
                response = try appendResponse(result, isBatch: isBatch)
            } catch {
                response = error.response
            }
            metrics.record(status: response.status.code)
            pending.send(response)
        }
        return nil
    }

    /// The answer to an append the group commit has committed or refused.
    private func appendResponse(_ result: Result<[AppendOutcome], AppendError>, isBatch: Bool) throws(ProblemDetails) -> HTTPResponse {
        func prefix(_ index: Int) -> String { isBatch ? "/\(index)" : "" }
        let outcomes: [AppendOutcome]
        switch result {
        case let .success(success): outcomes = success
        case let .failure(error):
            switch error {
            case let .wrongExpectedVersion(index, stream, expected, actual):
                throw ProblemDetails(.conflict, "version-conflict", error.description, extra: [
                    ("pointer", .string(prefix(index) + "/expectedVersion")), ("stream", .string(stream)),
                    ("expectedVersion", .integer(expected)), ("actualVersion", .integer(actual)),
                ])
            case let .idempotencyConflict(index, _, originalSeq):
                throw ProblemDetails(.conflict, "idempotency-conflict", error.description, extra: [
                    ("pointer", .string(prefix(index) + "/idempotencyKey")), ("originalSeq", .integer(originalSeq)),
                ])
            case .emptyBatch:
                throw ProblemDetails(.unprocessableContent, "empty-batch", error.description)
            case let .store(storeError):
                throw ProblemDetails(.serviceUnavailable, "store", "the ledger could not record the events: \(storeError); nothing was appended")
            }
        }
        metrics.recordAppended(outcomes.count(where: { !$0.wasAlreadyRecorded }))
        let results: [JSONValue] = outcomes.map { outcome in
            var line = JSONObject()
            let envelope = outcome.event.envelope
            line["seq"] = .integer(envelope.seq)
            line["hash"] = .string(outcome.event.hash.hex)
            line["stream"] = .string(envelope.stream)
            line["streamVersion"] = .integer(envelope.streamVersion)
            line["recordedAt"] = .string(envelope.recordedAt.rfc3339)
            if outcome.wasAlreadyRecorded { line["alreadyRecorded"] = .bool(true) }
            return .object(line)
        }
        let allRetries = outcomes.allSatisfy(\.wasAlreadyRecorded)
        return Self.json(.array(results), status: allRetries ? .ok : .created)
    }

    /// `GET /v1/events` and `GET /v1/projects/{id}/events`: export lines (the stored canonical
    /// envelope with its hash) as one JSON array, oldest first, at most `limit` of them. When the
    /// page is full, `Next-From` names the `from` of the next page.
    func listEvents(_ request: HTTPRequest, stream: String?) throws -> HTTPResponse {
        let query = try QueryParameters(request.query, allowed: stream == nil ? ["from", "to", "stream", "type", "limit"] : ["from", "to", "type", "limit"])
        let limit = try query.integer("limit", in: 1 ... Self.maximumPageSize) ?? Self.defaultPageSize
        let eventQuery = EventQuery(
            fromSeq: try query.integer("from", in: 1 ... Int64.max), toSeq: try query.integer("to", in: 1 ... Int64.max),
            stream: stream ?? query["stream"], type: query["type"], limit: Int(limit))
        var body: [UInt8] = [UInt8(ascii: "[")]
        var count: Int64 = 0
        var lastSeq: Int64 = 0
        try store.readStored(eventQuery) { event in
            if count > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: event.exportBytes)
            count += 1
            lastSeq = event.seq
            return count < limit
        }
        body.append(UInt8(ascii: "]"))
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if count == limit { headers.add(name: "Next-From", value: String(lastSeq + 1)) }
        return HTTPResponse(status: .ok, headers: headers, body: body)
    }
}
