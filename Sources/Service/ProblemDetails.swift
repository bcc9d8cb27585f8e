import CanonicalJSON
import HTTP

/// An RFC 9457 problem details response (`application/problem+json`): `type`, `title`,
/// `status`, `detail` (one sentence saying what is wrong and what to change), plus members
/// such as `pointer` (the JSON pointer of the offending field) or `actualVersion`.
public struct ProblemDetails: Error, Sendable {
    public let status: HTTPStatus
    /// A short slug; the `type` member is `https://oda-ledger.example/problems/<slug>`.
    public let slug: String
    public let detail: String
    public var extra: [(String, JSONValue)]

    public init(_ status: HTTPStatus, _ slug: String, _ detail: String, extra: [(String, JSONValue)] = []) {
        self.status = status
        self.slug = slug
        self.detail = detail
        self.extra = extra
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["type"] = .string("https://oda-ledger.example/problems/" + slug)
        object["title"] = .string(status.reasonPhrase)
        object["status"] = .integer(Int64(status.code))
        object["detail"] = .string(detail)
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    public var response: HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/problem+json"]
        if status == .unauthorized { headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"oda-ledger\"") }
        return HTTPResponse(status: status, headers: headers, body: json.canonicalBytes)
    }
}
