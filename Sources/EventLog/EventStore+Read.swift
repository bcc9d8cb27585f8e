import SQLite

/// Which events to read. All filters combine; events always come in `seq` order.
public struct EventQuery: Sendable, Equatable {
    public var fromSeq: Int64?
    public var toSeq: Int64?
    public var stream: String?
    public var type: String?
    public var limit: Int?

    public init(fromSeq: Int64? = nil, toSeq: Int64? = nil, stream: String? = nil, type: String? = nil, limit: Int? = nil) {
        self.fromSeq = fromSeq
        self.toSeq = toSeq
        self.stream = stream
        self.type = type
        self.limit = limit
    }

    /// The statement for this combination of filters: fixed SQL fragments, every value bound.
    var sql: (text: String, values: [SQLValue]) {
        var conditions: [String] = []
        var values: [SQLValue] = []
        func add(_ fragment: String, _ value: SQLValue) {
            values.append(value)
            conditions.append(fragment.replacingOccurrences(of: "?", with: "?\(values.count)"))
        }
        if let fromSeq { add("seq >= ?", .integer(fromSeq)) }
        if let toSeq { add("seq <= ?", .integer(toSeq)) }
        if let stream { add("stream_id = (SELECT id FROM streams WHERE name = ?)", .text(stream)) }
        if let type { add("type = ?", .text(type)) }
        var text = "SELECT seq, hash, body FROM events"
        if !conditions.isEmpty { text += " WHERE " + conditions.joined(separator: " AND ") }
        text += " ORDER BY seq"
        if let limit { add(" LIMIT ?", .integer(Int64(limit))); text += " LIMIT ?\(values.count)" }
        return (text, values)
    }
}

extension EventStore {
    /// Streams the matching events to `body` one at a time, from one consistent snapshot, in
    /// constant memory however many there are. Return false from `body` to stop early.
    public func read(_ query: EventQuery = EventQuery(), _ body: (RecordedEvent) throws -> Bool) throws {
        try withSnapshot { connection in
            let (text, values) = query.sql
            let statement = try connection.cached(text)
            try statement.bind(values)
            defer { statement.reset() }
            while try statement.step() {
                let event = try EventRow.decode(statement, checkCanonical: false)
                if try !body(event) { break }
            }
        }
    }

    /// The events matching `query`, collected into an array: for small reads.
    public func events(_ query: EventQuery) throws -> [RecordedEvent] {
        var result: [RecordedEvent] = []
        try read(query) { result.append($0); return true }
        return result
    }

    /// The event at `seq`, if there is one.
    public func event(at seq: Int64) throws -> RecordedEvent? {
        try events(EventQuery(fromSeq: seq, toSeq: seq)).first
    }
}
