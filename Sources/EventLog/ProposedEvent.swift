import CanonicalJSON

/// An event a caller asks the ledger to record. The ledger adds what only it may decide: `seq`,
/// `streamVersion`, `recordedAt`, `prev`, and the actor, which comes from authentication.
public struct ProposedEvent: Sendable, Hashable {
    public var stream: String
    public var type: String
    public var schemaVersion: Int64
    public var payload: JSONObject
    /// The version the caller believes the stream is at (0: the stream must not exist yet). When
    /// the stream has moved on, the append is refused and nothing is written.
    public var expectedVersion: Int64?
    /// A retry with the same key and the same content returns the original event instead of
    /// recording it twice; the same key with other content is refused.
    public var idempotencyKey: String?
    public var occurredAt: String?
    public var correlationId: String?
    public var causationId: String?

    /// Validates every member; throws naming the first member that breaks a rule.
    public init(stream: String, type: String, schemaVersion: Int64 = 1, payload: JSONObject,
                expectedVersion: Int64? = nil, idempotencyKey: String? = nil, occurredAt: String? = nil,
                correlationId: String? = nil, causationId: String? = nil) throws(EnvelopeError) {
        try Identifier.check(stream, as: .stream, at: "/stream")
        try Identifier.check(type, as: .eventType, at: "/type")
        guard schemaVersion >= 1 else { throw .invalidValue(pointer: "/schemaVersion", reason: "must be at least 1") }
        if let expectedVersion, expectedVersion < 0 {
            throw .invalidValue(pointer: "/expectedVersion", reason: "must be 0 (a new stream) or more")
        }
        if let pointer = JSONValue.object(payload).firstNonIntegerNumber() {
            throw .invalidValue(pointer: "/payload" + pointer.description, reason: EventEnvelope.noFloatsRule)
        }
        if let (pointer, scalar) = PayloadText.firstNoncharacter(in: .object(payload)) {
            let code = String(scalar.value, radix: 16, uppercase: true)
            throw .invalidValue(pointer: "/payload" + pointer.description,
                                reason: "contains the noncharacter U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code), which I-JSON forbids")
        }
        for (key, value) in [("idempotencyKey", idempotencyKey), ("correlationId", correlationId), ("causationId", causationId)] {
            if let value { try Identifier.check(value, as: .token, at: "/" + key) }
        }
        var normalizedOccurredAt: String?
        if let occurredAt {
            guard let normalized = BusinessTime.normalize(occurredAt) else {
                throw .invalidValue(pointer: "/occurredAt", reason: BusinessTime.rule)
            }
            normalizedOccurredAt = normalized
        }
        self.stream = stream
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.expectedVersion = expectedVersion
        self.idempotencyKey = idempotencyKey
        self.occurredAt = normalizedOccurredAt
        self.correlationId = correlationId
        self.causationId = causationId
    }

    static let memberNames: Set<String> = [
        "stream", "type", "schemaVersion", "payload", "expectedVersion", "idempotencyKey", "occurredAt",
        "correlationId", "causationId",
    ]

    /// Reads the request form `{"stream", "type", "payload", "expectedVersion"?, "idempotencyKey"?,
    /// "occurredAt"?, "schemaVersion"?, "correlationId"?, "causationId"?}`. An `actor` member is
    /// refused: who recorded an event is decided by authentication, never by the request.
    public init(json: JSONValue) throws(EnvelopeError) {
        guard case let .object(o) = json else { throw .wrongType(pointer: "", expected: "a JSON object") }
        for key in o.keys where !Self.memberNames.contains(key) {
            if key == "actor" {
                throw .invalidValue(pointer: "/actor", reason: "cannot be set by a request: the actor is the authenticated user")
            }
            if EventEnvelope.memberNames.contains(key) || key == "hash" {
                throw .invalidValue(pointer: "/" + key, reason: "is assigned by the ledger and cannot be set by a request")
            }
            throw .unexpectedMember(pointer: "/" + key)
        }
        func string(_ key: String) throws(EnvelopeError) -> String {
            guard let member = o[key] else { throw .missingMember(pointer: "/" + key) }
            guard case let .string(v) = member else { throw .wrongType(pointer: "/" + key, expected: "a string") }
            return v
        }
        func optionalInteger(_ key: String) throws(EnvelopeError) -> Int64? {
            switch o[key] {
            case .none: return nil
            case let .integer(v)?: return v
            default: throw .wrongType(pointer: "/" + key, expected: "an integer")
            }
        }
        guard let payloadMember = o["payload"] else { throw .missingMember(pointer: "/payload") }
        guard case let .object(payload) = payloadMember else { throw .wrongType(pointer: "/payload", expected: "an object") }
        try self.init(
            stream: try string("stream"),
            type: try string("type"),
            schemaVersion: try optionalInteger("schemaVersion") ?? 1,
            payload: payload,
            expectedVersion: try optionalInteger("expectedVersion"),
            idempotencyKey: try optionalString(o["idempotencyKey"], "/idempotencyKey"),
            occurredAt: try optionalString(o["occurredAt"], "/occurredAt"),
            correlationId: try optionalString(o["correlationId"], "/correlationId"),
            causationId: try optionalString(o["causationId"], "/causationId"))
    }

    /// Whether `envelope` records this very request by `actor`: what an idempotent retry must match.
    func isRecorded(as envelope: EventEnvelope, by actor: Actor) -> Bool {
        envelope.stream == stream && envelope.type == type && envelope.schemaVersion == schemaVersion
            && envelope.payload == payload && envelope.occurredAt == occurredAt
            && envelope.correlationId == correlationId && envelope.causationId == causationId
            && envelope.actor.id == actor.id
    }
}
