import CanonicalJSON
import Crypto
import EventLog
import HTTP
import Inspection
import ODA

extension LedgerService {
    /// `GET /v1/flags`: the red flags, most severe first, filtered by `status`, `rule`,
    /// `severity`, `province`, `partner`, `project` and `since` (a date: flags whose last evidence
    /// was recorded on or after it), paged by `offset` and `limit`. Provincial staff see only
    /// flags of projects located in their province.
    func listFlags(_ request: HTTPRequest, user: User) throws -> HTTPResponse {
        let query = try QueryParameters(request.query, allowed: [
            "status", "rule", "severity", "province", "partner", "project", "since", "offset", "limit"])
        let limit = try query.integer("limit", in: 1 ... Self.maximumPageSize) ?? Self.defaultPageSize
        let offset = try query.integer("offset", in: 0 ... Int64(Int32.max)) ?? 0
        let contents = try flagQueue.contents(of: store)
        let statuses = contents.statuses
        var flags = contents.flags
        if let text = query["status"] {
            guard let status = CaseStatus(rawValue: text) else {
                throw ProblemDetails(.badRequest, "bad-query",
                    "query parameter status must be one of \(CaseStatus.allCases.map(\.rawValue).joined(separator: ", ")); it is \(text)")
            }
            flags = flags.filter { (statuses[$0.id] ?? .open) == status }
        }
        if let rule = query["rule"] {
            guard RuleCatalogue.subjectRules.contains(where: { $0.id == rule }) else {
                throw ProblemDetails(.badRequest, "bad-query",
                    "unknown rule \(rule); rules: \(RuleCatalogue.subjectRules.map(\.id).joined(separator: ", "))")
            }
            flags = flags.filter { $0.ruleId == rule }
        }
        if let text = query["severity"] {
            guard let severity = Severity(rawValue: text) else {
                throw ProblemDetails(.badRequest, "bad-query", "query parameter severity must be low, medium or high; it is \(text)")
            }
            flags = flags.filter { $0.severity == severity }
        }
        if let project = query["project"] { flags = flags.filter { $0.subject.project == project } }
        if let text = query["since"] {
            guard CalendarDate(text) != nil, let start = Timestamp.parse(text + "T00:00:00.000000Z") else {
                throw ProblemDetails(.badRequest, "bad-query", "query parameter since must be a date YYYY-MM-DD; it is \(text)")
            }
            let before = try store.lastSeq(recordedBefore: start)
            flags = flags.filter { ($0.evidence.last ?? 0) > before }
        }
        if let province = query["province"] {
            guard Province(rawValue: province) != nil else {
                throw ProblemDetails(.badRequest, "bad-query", "query parameter province must be an ISO 3166-2:LA code such as LA-VT; it is \(province)")
            }
            flags = try filterByProvince(flags, province)
        }
        if let home = user.province?.code { flags = try filterByProvince(flags, home) }
        if let partner = query["partner"] {
            var partners: [String: String?] = [:]
            for project in Set(flags.map(\.subject.project)) { partners[project] = try store.projectSnapshot(project)?.partner }
            flags = flags.filter { partners[$0.subject.project] ?? nil == partner }
        }
        let page = flags.dropFirst(Int(offset)).prefix(Int(limit))
        return Self.json([
            "total": .integer(Int64(flags.count)), "offset": .integer(offset),
            "flags": .array(page.map { Self.json($0, status: statuses[$0.id] ?? .open) }),
        ])
    }

    /// `GET /v1/flags/{id}`: one flag, its evidence events (each with whether its stored hash
    /// still matches its bytes) and its case: status, assignee and the inspectors' actions.
    func flagDetail(_ id: String, _ request: HTTPRequest, user: User) throws -> HTTPResponse {
        _ = try QueryParameters(request.query, allowed: [])
        let flag = try flag(id, user: user)
        var object = Self.json(flag, status: .open).objectValue ?? JSONObject()
        var evidence: [JSONValue] = []
        for seq in flag.evidence {
            guard let event = try store.event(at: seq) else {
                throw ProblemDetails(.internalServerError, "missing-evidence", "evidence event \(seq) of flag \(id) is missing from the ledger; run `oda-ledger verify`")
            }
            evidence.append(["event": event.exportJSON, "hashVerifies": .bool(SHA256.hash(event.canonicalBytes) == event.hash)])
        }
        object["evidenceEvents"] = .array(evidence)
        let history = try store.events(EventQuery(stream: CaseTable.streamPrefix + id))
        var state = CaseState()
        for event in history {
            if let action = CaseAction(type: event.envelope.type, payload: event.envelope.payload) { try? state.apply(action) }
        }
        object["status"] = .string(state.status.rawValue)
        object["case"] = [
            "status": .string(state.status.rawValue), "assignee": state.assignee.map(JSONValue.string) ?? .null,
            "actions": .array(history.map(\.exportJSON)),
        ]
        return Self.json(.object(object))
    }

    /// `POST /v1/flags/{id}/actions`: an inspector's action on a flag's case, recorded as an event
    /// in `case:{id}` whose actor is the authenticated inspector. The body names the `action`
    /// (assign, comment, request-information, dismiss, escalate, close, reopen) and its fields.
    func caseAction(_ id: String, _ request: HTTPRequest, user: User) throws -> HTTPResponse {
        _ = try QueryParameters(request.query, allowed: [])
        let body = try Self.jsonObjectBody(request)
        _ = try flag(id, user: user)
        let action = try CaseActionBody.parse(body)
        let result: (seq: Int64, status: CaseStatus)
        do {
            result = try store.recordCaseAction(action, flagId: id, actor: user.actor)
        } catch let error as CaseError {
            switch error {
            case .unknownFlag: throw ProblemDetails(.notFound, "no-flag", "no flag \(id); list them with GET /v1/flags")
            case .refused: throw ProblemDetails(.conflict, "case-transition", error.description)
            case let .emptyText(field):
                throw ProblemDetails(.unprocessableContent, "invalid-action", error.description, extra: [("pointer", .string("/" + field))])
            }
        } catch let error as AppendError {
            if case .wrongExpectedVersion = error {
                throw ProblemDetails(.conflict, "version-conflict", "another inspector acted on this case at the same moment; read the flag again and retry")
            }
            throw error
        }
        metrics.recordAppended(1)
        return Self.json(["flagId": .string(id), "seq": .integer(result.seq), "action": .string(action.verb),
                          "status": .string(result.status.rawValue)], status: .created)
    }

    /// The stored flag `id`, or 404; a 403 when `user` is provincial staff and the flag's
    /// project is not located in their province.
    private func flag(_ id: String, user: User) throws -> Flag {
        guard let flag = try flagQueue.contents(of: store).flags.first(where: { $0.id == id }) else {
            throw ProblemDetails(.notFound, "no-flag", "no flag \(id); list them with GET /v1/flags")
        }
        if let province = user.province?.code,
           !(try ProvinceScope.provinces(ofProjectStream: "project:" + flag.subject.project, store: store) ?? []).contains(province) {
            throw ProblemDetails(.forbidden, "province-scope",
                "\(user.name) is provincial staff of \(province); flag \(id) concerns project \(flag.subject.project), not located in \(province)")
        }
        return flag
    }

    private func filterByProvince(_ flags: [Flag], _ province: String) throws -> [Flag] {
        var located: [String: Bool] = [:]
        for project in Set(flags.map(\.subject.project)) {
            located[project] = (try ProvinceScope.provinces(ofProjectStream: "project:" + project, store: store) ?? []).contains(province)
        }
        return flags.filter { located[$0.subject.project] ?? false }
    }

    static func json(_ flag: Flag, status: CaseStatus) -> JSONValue {
        guard case var .object(object) = flag.jsonValue else { return flag.jsonValue }
        object["status"] = .string(status.rawValue)
        return .object(object)
    }

    /// A JSON object body sent as `application/json`, or a 415 / 400 problem.
    static func jsonObjectBody(_ request: HTTPRequest) throws -> JSONObject {
        guard MediaType.isJSON(request.headers["Content-Type"]) else {
            throw ProblemDetails(.unsupportedMediaType, "unsupported-media-type", "send the body as Content-Type: application/json")
        }
        let body: JSONValue
        do { body = try JSONValue.parse(request.body) } catch {
            throw ProblemDetails(.badRequest, "invalid-json", "the body is not valid JSON: \(error)")
        }
        guard case let .object(object) = body else {
            throw ProblemDetails(.badRequest, "invalid-json", "the body must be a JSON object")
        }
        if object["actor"] != nil {
            throw ProblemDetails(.unprocessableContent, "actor-in-body",
                "the body may not name an actor: the ledger records the authenticated user", extra: [("pointer", .string("/actor"))])
        }
        return object
    }
}

/// The body of `POST /v1/flags/{id}/actions`: `{"action": VERB, ...fields}`, strictly read
/// (an unknown or missing field is a 422 naming it).
enum CaseActionBody {
    static let fields: [String: (required: [String], optional: [String])] = [
        "assign": (["assignee"], ["note"]),
        "comment": (["text"], []),
        "request-information": (["from", "text"], []),
        "dismiss": (["reasonCode", "text"], []),
        "escalate": (["to", "reason"], []),
        "close": (["outcome", "text"], []),
        "reopen": (["reason"], []),
    ]

    static func parse(_ body: JSONObject) throws -> CaseAction {
        func invalid(_ pointer: String, _ detail: String) -> ProblemDetails {
            ProblemDetails(.unprocessableContent, "invalid-action", detail, extra: [("pointer", .string(pointer))])
        }
        let verbs = fields.keys.sorted().joined(separator: ", ")
        guard let verb = body["action"]?.stringValue else { throw invalid("/action", "action must be a string, one of \(verbs)") }
        guard let (required, optional) = fields[verb] else { throw invalid("/action", "action must be one of \(verbs); it is \(verb)") }
        var values: [String: String] = [:]
        for (key, value) in body where key != "action" {
            guard required.contains(key) || optional.contains(key) else {
                throw invalid("/" + key, "\(verb) takes \((required + optional).joined(separator: ", ")); \(key) is not one of them")
            }
            guard let text = value.stringValue else { throw invalid("/" + key, "\(key) must be a string") }
            values[key] = text
        }
        for key in required where values[key] == nil { throw invalid("/" + key, "\(verb) needs \(key)") }
        func v(_ key: String) -> String { values[key] ?? "" }
        switch verb {
        case "assign": return .assign(to: v("assignee"), note: values["note"])
        case "comment": return .comment(v("text"))
        case "request-information": return .requestInformation(from: v("from"), text: v("text"))
        case "dismiss":
            guard let reason = DismissalReason(rawValue: v("reasonCode")) else {
                throw invalid("/reasonCode", "reasonCode must be one of \(DismissalReason.allCases.map(\.rawValue).joined(separator: ", ")); it is \(v("reasonCode"))")
            }
            return .dismiss(reason, text: v("text"))
        case "escalate": return .escalate(to: v("to"), reason: v("reason"))
        case "close":
            guard let outcome = CaseOutcome(rawValue: v("outcome")) else {
                throw invalid("/outcome", "outcome must be one of \(CaseOutcome.allCases.map(\.rawValue).joined(separator: ", ")); it is \(v("outcome"))")
            }
            return .close(outcome, text: v("text"))
        default: return .reopen(reason: v("reason"))
        }
    }
}
