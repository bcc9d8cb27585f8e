import CanonicalJSON
import EventLog

/// Reads what `ProjectionBatch` needs from the stored bytes of a transaction event (commitment,
/// disbursement, expenditure, counterpart contribution: the bulk of any ledger) in one pass,
/// without building the envelope's JSON tree.
///
/// The payload it hands over holds only the members the projector reads for those types
/// (`projectedMembers`), each value exactly as the JSON parser would give it: a string without
/// escapes is taken as its (validated UTF-8) bytes, anything else is parsed by `JSONValue.parse`.
/// Whatever it does not expect (another event type, an escape in a name or an envelope string,
/// a `recordedAt` not in canonical form, bytes that are not a JSON object) makes it return nil,
/// and the caller decodes the whole envelope instead: the scan is a shortcut, never a second
/// opinion. Stored bytes are trusted as in every read (their chain is what `verify` checks).
struct StoredEventScan {
    /// The payload members `ProjectionBatch` reads for a transaction event: its row, its audit
    /// summary (`AuditEntry.transactionSummary`) and decision reference (`AuditEntry.decisionReference`).
    static let projectedMemberNames = [
        "amendmentReference", "amount", "approvalReference", "date", "decisionReference", "fiscalYear", "kind", "payee",
        "provider", "transactionId",
    ]
    private static let projectedMembers = projectedMemberNames.map { Array($0.utf8) }
    private static let envelopeMembers = ["actor", "occurredAt", "payload", "recordedAt", "seq", "stream", "type"]
    private static let envelopeMemberBytes = envelopeMembers.map { Array($0.utf8) }

    private static let transactionTypes = ["CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded",
                                           "CounterpartContributionRecorded"]
    private static let transactionTypeBytes = transactionTypes.map { Array($0.utf8) }

    /// Strings repeated from one event to the next are made once per run of equal bytes.
    private var recordedAt = Interned()
    private var actorID = Interned()
    private var actorRole = Interned()
    private var stream = Interned()

    /// The event as `ProjectionBatch` reads it, or nil when the caller must decode it in full.
    mutating func projectedEvent(_ event: StoredEventBytes) -> ProjectedEvent? {
        event.canonicalBytes.withUnsafeBufferPointer { scan($0, seq: event.seq) }
    }

    private mutating func scan(_ b: UnsafeBufferPointer<UInt8>, seq expectedSeq: Int64) -> ProjectedEvent? {
        var cursor = Cursor(b)
        var seq: Int64?
        var actor: (id: Range<Int>, role: Range<Int>?)?
        var occurredAt: Range<Int>?, payload: Range<Int>?, recorded: Range<Int>?, streamRange: Range<Int>?
        var typeIndex: Int?
        guard cursor.take(UInt8(ascii: "{")) else { return nil }
        repeat {
            guard let key = cursor.plainString(), cursor.take(UInt8(ascii: ":")) else { return nil }
            switch Self.member(key, b) {
            case "actor": guard let a = cursor.actor() else { return nil }; actor = a
            case "occurredAt": guard let r = cursor.plainString() else { return nil }; occurredAt = r
            case "payload":
                let start = cursor.i
                guard cursor.peek == UInt8(ascii: "{"), cursor.skipValue() else { return nil }
                payload = start..<cursor.i
            case "recordedAt": guard let r = cursor.plainString() else { return nil }; recorded = r
            case "seq": guard let v = cursor.integer() else { return nil }; seq = v
            case "stream": guard let r = cursor.plainString() else { return nil }; streamRange = r
            case "type":
                guard let r = cursor.plainString() else { return nil }
                typeIndex = Self.transactionTypeBytes.firstIndex { $0.elementsEqual(b[r]) }
                guard typeIndex != nil else { return nil }
            default: guard cursor.skipValue() else { return nil }
            }
        } while cursor.take(UInt8(ascii: ","))
        guard cursor.take(UInt8(ascii: "}")), cursor.i == b.count,
              let seq, seq == expectedSeq, let actor, let payload, let recorded, let streamRange, let typeIndex else { return nil }
        guard let members = Self.projectedPayload(b, payload) else { return nil }
        let recordedAtText = recordedAt.string(b[recorded]) { Timestamp(canonical: $0) != nil }
        guard let recordedAtText, let id = actorID.string(b[actor.id]), let streamName = stream.string(b[streamRange]) else {
            return nil
        }
        var role: String?
        if let r = actor.role {
            guard let text = actorRole.string(b[r]) else { return nil }
            role = text
        }
        var occurred: String?
        if let occurredAt {
            guard let text = String(validating: b[occurredAt], as: UTF8.self) else { return nil }
            occurred = text
        }
        return ProjectedEvent(seq: seq, stream: streamName, type: Self.transactionTypes[typeIndex], actorID: id, actorRole: role,
                              recordedAt: recordedAtText, occurredAt: occurred, payload: members)
    }

    /// The projected members of the payload object at `range`, or nil when one cannot be read.
    private static func projectedPayload(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> JSONObject? {
        var cursor = Cursor(b, from: range.lowerBound, to: range.upperBound)
        var members = JSONObject()
        guard cursor.take(UInt8(ascii: "{")) else { return nil }
        if cursor.take(UInt8(ascii: "}")) { return members }
        repeat {
            guard let key = cursor.plainString(), cursor.take(UInt8(ascii: ":")) else { return nil }
            guard let wanted = projectedMembers.firstIndex(where: { $0.elementsEqual(b[key]) }) else {
                guard cursor.skipValue() else { return nil }
                continue
            }
            let start = cursor.i
            let value: JSONValue
            if let text = cursor.plainString() {
                guard cursor.i < range.upperBound, let string = String(validating: b[text], as: UTF8.self) else { return nil }
                value = .string(string)
            } else {
                cursor.i = start
                guard cursor.skipValue(), let parsed = try? JSONValue.parse(b[start..<cursor.i]) else { return nil }
                value = parsed
            }
            members[projectedMemberNames[wanted]] = value
        } while cursor.take(UInt8(ascii: ","))
        guard cursor.take(UInt8(ascii: "}")), cursor.i == range.upperBound else { return nil }
        return members
    }

    /// The top-level member names the scan looks at, by their bytes.
    private static func member(_ key: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> String {
        envelopeMemberBytes.firstIndex { $0.elementsEqual(b[key]) }.map { envelopeMembers[$0] } ?? ""
    }
}

/// The last string made from a run of equal bytes, so repeated values are decoded once.
private struct Interned {
    private var bytes: [UInt8] = []
    private var text: String?

    /// The bytes as a string (nil if not valid UTF-8 or refused by `accept`).
    mutating func string(_ slice: Slice<UnsafeBufferPointer<UInt8>>, accept: (String) -> Bool = { _ in true }) -> String? {
        if let text, bytes.elementsEqual(slice) { return text }
        guard let made = String(validating: slice, as: UTF8.self), accept(made) else { return nil }
        bytes = Array(slice)
        text = made
        return made
    }
}

/// A position in canonical JSON bytes (no whitespace), with the few reads the scan needs.
private struct Cursor {
    let b: UnsafeBufferPointer<UInt8>
    var i: Int
    let end: Int

    init(_ b: UnsafeBufferPointer<UInt8>, from start: Int = 0, to end: Int? = nil) {
        self.b = b
        i = start
        self.end = end ?? b.count
    }

    var peek: UInt8? { i < end ? b[i] : nil }

    mutating func take(_ byte: UInt8) -> Bool {
        guard i < end, b[i] == byte else { return false }
        i += 1
        return true
    }

    /// A string without escapes: the range of its content. Nil (position unchanged) otherwise.
    mutating func plainString() -> Range<Int>? {
        guard i < end, b[i] == UInt8(ascii: "\"") else { return nil }
        var j = i + 1
        while j < end {
            let c = b[j]
            if c == UInt8(ascii: "\"") {
                defer { i = j + 1 }
                return (i + 1)..<j
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { return nil }
            j += 1
        }
        return nil
    }

    /// A non-negative integer without sign, fraction or exponent.
    mutating func integer() -> Int64? {
        var value: Int64 = 0
        let start = i
        while i < end, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int64(b[i] - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = plus
            i += 1
        }
        guard i > start, i - start == 1 || b[start] != UInt8(ascii: "0") else { return nil }
        return value
    }

    /// `{"id": ..., "role": ..., "unit": ...}` with plain strings: the ranges of id and role.
    mutating func actor() -> (id: Range<Int>, role: Range<Int>?)? {
        guard take(UInt8(ascii: "{")) else { return nil }
        var id: Range<Int>?, role: Range<Int>?
        repeat {
            guard let key = plainString(), take(UInt8(ascii: ":")), let value = plainString() else { return nil }
            if "id".utf8.elementsEqual(b[key]) { id = value } else if "role".utf8.elementsEqual(b[key]) { role = value }
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "}")), let id else { return nil }
        return (id, role)
    }

    /// Steps over one value of any kind (strings with escapes included); false if malformed.
    mutating func skipValue() -> Bool {
        var depth = 0
        repeat {
            guard i < end else { return false }
            switch b[i] {
            case UInt8(ascii: "\""):
                i += 1
                while i < end, b[i] != UInt8(ascii: "\"") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
                guard i < end else { return false }
                i += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard depth > 0 else { return false }
                depth -= 1
                i += 1
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                guard depth > 0 else { return false }
                i += 1
            default:
                while i < end, !"\",:{}[]".utf8.contains(b[i]) { i += 1 }
            }
        } while depth > 0
        return true
    }
}
