import CanonicalJSON
import Crypto

/// One recorded event, exactly as the ledger hashes it (see `Schemas/ledger-format.md`).
///
/// The canonical bytes of `jsonValue` (RFC 8785) are what is stored and hashed; `hash` is not a
/// member of the envelope but SHA-256 of those bytes. Decoding refuses anything that is not in
/// the format (a missing or unknown member, a float, a non-canonical timestamp), so whatever is
/// read back is exactly what was written.
public struct EventEnvelope: Sendable, Hashable {
    /// The position in the ledger: 1, 2, 3 … without gaps.
    public let seq: Int64
    public let stream: String
    /// The position within `stream`: 1, 2, 3 … without gaps.
    public let streamVersion: Int64
    public let type: String
    /// The version of `type`'s payload schema.
    public let schemaVersion: Int64
    public let payload: JSONObject
    public let actor: Actor
    /// The server's clock when the event was recorded; never decreases along `seq`.
    public let recordedAt: Timestamp
    /// The business date or time the event refers to, when it differs from when it was recorded:
    /// `YYYY-MM-DD` or a canonical timestamp.
    public let occurredAt: String?
    public let correlationId: String?
    public let causationId: String?
    public let idempotencyKey: String?
    /// The hash of the event at `seq - 1`; 32 zero bytes for the first event.
    public let prev: SHA256Digest

    public init(seq: Int64, stream: String, streamVersion: Int64, type: String, schemaVersion: Int64,
                payload: JSONObject, actor: Actor, recordedAt: Timestamp, occurredAt: String?,
                correlationId: String?, causationId: String?, idempotencyKey: String?, prev: SHA256Digest) {
        self.seq = seq
        self.stream = stream
        self.streamVersion = streamVersion
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.actor = actor
        self.recordedAt = recordedAt
        self.occurredAt = occurredAt
        self.correlationId = correlationId
        self.causationId = causationId
        self.idempotencyKey = idempotencyKey
        self.prev = prev
    }

    /// The member names of the format, in no particular order; `hash` appears only in exports.
    static let memberNames: Set<String> = [
        "seq", "stream", "streamVersion", "type", "schemaVersion", "payload", "actor", "recordedAt",
        "occurredAt", "correlationId", "causationId", "idempotencyKey", "prev",
    ]

    public var jsonValue: JSONValue {
        var o = JSONObject()
        o["seq"] = .integer(seq)
        o["stream"] = .string(stream)
        o["streamVersion"] = .integer(streamVersion)
        o["type"] = .string(type)
        o["schemaVersion"] = .integer(schemaVersion)
        o["payload"] = .object(payload)
        o["actor"] = actor.jsonValue
        o["recordedAt"] = .string(recordedAt.rfc3339)
        if let occurredAt { o["occurredAt"] = .string(occurredAt) }
        if let correlationId { o["correlationId"] = .string(correlationId) }
        if let causationId { o["causationId"] = .string(causationId) }
        if let idempotencyKey { o["idempotencyKey"] = .string(idempotencyKey) }
        o["prev"] = .string(prev.hex)
        return .object(o)
    }

    /// Decodes stored bytes. Throws when they are not an envelope in the ledger format, or not in
    /// canonical form (which would mean they were not written by the ledger).
    public init(canonicalBytes bytes: [UInt8]) throws(EnvelopeError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw .notJSON(error.description)
        }
        try self.init(json: value)
        guard value.canonicalBytes == bytes else {
            throw .invalidValue(pointer: "", reason: "is not in RFC 8785 canonical form")
        }
    }

    /// Decodes an envelope from a JSON value, refusing unknown members (except `hash` when
    /// `allowingHash`, as in an export line).
    public init(json: JSONValue, allowingHash: Bool = false) throws(EnvelopeError) {
        guard case let .object(o) = json else { throw .wrongType(pointer: "", expected: "a JSON object") }
        for key in o.keys where !Self.memberNames.contains(key) && !(allowingHash && key == "hash") {
            throw .unexpectedMember(pointer: "/" + key)
        }
        func integer(_ key: String, minimum: Int64) throws(EnvelopeError) -> Int64 {
            guard let member = o[key] else { throw .missingMember(pointer: "/" + key) }
            guard case let .integer(v) = member else { throw .wrongType(pointer: "/" + key, expected: "an integer") }
            guard v >= minimum else { throw .invalidValue(pointer: "/" + key, reason: "must be at least \(minimum)") }
            return v
        }
        func string(_ key: String) throws(EnvelopeError) -> String {
            guard let member = o[key] else { throw .missingMember(pointer: "/" + key) }
            guard case let .string(v) = member else { throw .wrongType(pointer: "/" + key, expected: "a string") }
            return v
        }
        seq = try integer("seq", minimum: 1)
        stream = try string("stream")
        try Identifier.check(stream, as: .stream, at: "/stream")
        streamVersion = try integer("streamVersion", minimum: 1)
        type = try string("type")
        try Identifier.check(type, as: .eventType, at: "/type")
        schemaVersion = try integer("schemaVersion", minimum: 1)
        guard let payloadMember = o["payload"] else { throw .missingMember(pointer: "/payload") }
        guard case let .object(payload) = payloadMember else { throw .wrongType(pointer: "/payload", expected: "an object") }
        if let pointer = payloadMember.firstNonIntegerNumber() {
            throw .invalidValue(pointer: "/payload" + pointer.description, reason: Self.noFloatsRule)
        }
        self.payload = payload
        guard let actorMember = o["actor"] else { throw .missingMember(pointer: "/actor") }
        actor = try Actor(json: actorMember)
        let recorded = try string("recordedAt")
        guard let recordedAt = Timestamp(canonical: recorded) else {
            throw .invalidValue(pointer: "/recordedAt", reason: "must be UTC with six fractional digits, e.g. 2026-03-01T08:15:00.000000Z")
        }
        self.recordedAt = recordedAt
        occurredAt = try optionalString(o["occurredAt"], "/occurredAt")
        if let occurredAt, BusinessTime.normalize(occurredAt) != occurredAt {
            throw .invalidValue(pointer: "/occurredAt", reason: BusinessTime.rule)
        }
        correlationId = try optionalString(o["correlationId"], "/correlationId")
        causationId = try optionalString(o["causationId"], "/causationId")
        idempotencyKey = try optionalString(o["idempotencyKey"], "/idempotencyKey")
        for (key, value) in [("correlationId", correlationId), ("causationId", causationId), ("idempotencyKey", idempotencyKey)] {
            if let value { try Identifier.check(value, as: .token, at: "/" + key) }
        }
        let prevHex = try string("prev")
        guard prevHex.utf8.count == 64, prevHex == prevHex.lowercased(), let prev = try? SHA256Digest(hex: prevHex) else {
            throw .invalidValue(pointer: "/prev", reason: "must be 64 lowercase hex digits")
        }
        self.prev = prev
    }

    static let noFloatsRule = "is a number with a fraction or exponent, or beyond ±(2^53−1): the ledger stores only integers as numbers; write amounts as decimal strings"
}

/// The business date or time an event refers to.
public enum BusinessTime {
    static let rule = "must be a date (YYYY-MM-DD) or an RFC 3339 date-time, e.g. 2026-03-01 or 2026-03-01T08:15:00Z"

    /// The stored spelling of a business time: a valid `YYYY-MM-DD` unchanged, or a date-time
    /// converted to canonical UTC with six fractional digits. Nil if it is neither.
    public static func normalize(_ text: String) -> String? {
        let b = Array(text.utf8)
        if b.count == 10 {
            guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
                  let y = Int64(String(decoding: b[0..<4], as: UTF8.self)),
                  let m = Int64(String(decoding: b[5..<7], as: UTF8.self)),
                  let d = Int64(String(decoding: b[8..<10], as: UTF8.self)),
                  b.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || (0x30...0x39).contains($0.element) }),
                  CivilDate.isValid(year: y, month: m, day: d)
            else { return nil }
            return text
        }
        return Timestamp.parse(text)?.rfc3339
    }
}
