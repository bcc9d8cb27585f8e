import CanonicalJSON
import EventLog
import HTTP
import ODA

extension LedgerService {
    /// `GET /v1/projects/{id}` and `GET /v1/projects/{id}/history`: the project's state (or only
    /// its audit trail) now, or as of a point given by `asOf` (a seq, a date meaning the end of
    /// that day UTC, or an RFC 3339 instant: what was recorded by then) or `effective` (a date:
    /// the business view at the end of that day, as known now).
    func project(_ id: String, _ request: HTTPRequest, history: Bool) throws -> HTTPResponse {
        let query = try QueryParameters(request.query, allowed: ["asOf", "effective"])
        let point = try Self.pointInTime(query)
        let position = try point.position(in: store)
        guard let snapshot = try store.projectSnapshot(id, asOf: point) else {
            throw ProblemDetails(.notFound, "no-project",
                point == .head ? "no project \(id) is recorded" : "no project \(id) is recorded as of that point (seq \(position))")
        }
        let state = try snapshot.jsonValue(position: position)
        guard history else { return Self.json(state) }
        return Self.json([
            "projectId": .string(id), "asOfSeq": .integer(position),
            "history": state.objectValue?["history"] ?? .array([]),
        ])
    }

    /// `GET /v1/portfolio?by=&year=&currency=&asOf=&effective=`: plan against actual by partner,
    /// sector, province or year. Provincial staff get only `by=province`, and only their row: the
    /// other groupings would mix in other provinces' projects.
    func portfolio(_ request: HTTPRequest, user: User) throws -> HTTPResponse {
        let query = try QueryParameters(request.query, allowed: ["by", "year", "currency", "asOf", "effective"])
        let byText = query["by"] ?? "partner"
        guard let dimension = PortfolioDimension(rawValue: byText) else {
            throw ProblemDetails(.badRequest, "bad-query",
                "query parameter by must be one of \(PortfolioDimension.allCases.map(\.rawValue).joined(separator: ", ")); it is \(byText)")
        }
        if let province = user.province, dimension != .province {
            throw ProblemDetails(.forbidden, "province-scope",
                "\(user.name) is provincial staff of \(province.code) and may see the portfolio only by=province (their own row)")
        }
        let year = try query.integer("year", in: 1 ... 9999)
        let currency: CurrencyCode?
        do {
            currency = try query["currency"].map { code throws(MoneyError) in try CurrencyCode(code) }
        } catch {
            throw ProblemDetails(.badRequest, "bad-query", "query parameter currency: \(error)")
        }
        let point = try Self.pointInTime(query)
        let result: Portfolio
        do {
            result = try store.portfolio(by: dimension, year: year, currency: currency, asOf: point)
        } catch let error as PortfolioError {
            throw ProblemDetails(.unprocessableContent, "no-rate", error.description)
        }
        var rows = result.rows
        var totals = result.totals
        if let province = user.province?.code {
            rows = rows.filter { $0.key == province }
            totals = rows
        }
        func row(_ r: PortfolioRow) -> JSONValue {
            [
                "key": .string(r.key), "currency": .string(r.currency.code), "planned": .string(r.planned.canonicalText),
                "committed": .string(r.committed.canonicalText), "disbursed": .string(r.disbursed.canonicalText),
                "spent": .string(r.spent.canonicalText), "disbursementRate": r.disbursementRate.map(JSONValue.string) ?? .null,
                "spendRate": r.spendRate.map(JSONValue.string) ?? .null,
            ]
        }
        return Self.json([
            "by": .string(dimension.rawValue), "year": year.map(JSONValue.integer) ?? .null,
            "asOfSeq": .integer(try point.position(in: store)),
            "rows": .array(rows.map(row)), "totals": .array(totals.map(row)),
            "ratesUsed": .array(result.ratesUsed.map { .string($0.description) }),
        ])
    }

    /// The point in time named by `asOf` or `effective` (not both); the head when neither.
    static func pointInTime(_ query: QueryParameters) throws -> PointInTime {
        switch (query["asOf"], query["effective"]) {
        case (nil, nil): return .head
        case let (asOf?, nil):
            do { return try PointInTime(parsing: asOf) } catch {
                throw ProblemDetails(.badRequest, "bad-query",
                    "query parameter asOf must be a seq (42), a date (2024-06-30) or an RFC 3339 instant (2024-06-30T10:00:00Z); it is \(asOf)")
            }
        case let (nil, effective?):
            guard let date = CalendarDate(effective) else {
                throw ProblemDetails(.badRequest, "bad-query", "query parameter effective must be a date YYYY-MM-DD; it is \(effective)")
            }
            return .effectiveOn(date)
        case (_?, _?):
            throw ProblemDetails(.badRequest, "bad-query", "give asOf (what was recorded by then) or effective (business dates), not both")
        }
    }
}
