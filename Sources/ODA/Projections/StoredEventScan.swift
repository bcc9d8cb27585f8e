import CanonicalJSON
import EventLog

/// Reads what `ProjectionBatch` needs from the stored bytes of a transaction event (commitment,
/// disbursement, expenditure, counterpart contribution: the bulk of any ledger) in one pass,
/// without building a JSON tree or a payload object.
///
/// It hands over the envelope members the projector reads and the event's `TransactionFacts`,
/// each equal to what the reference reading of the decoded envelope gives
/// (`TransactionFacts(payload:)`): a string without escapes is taken as its (validated UTF-8)
/// bytes, an amount in the common spelling (`-?digits(.digits)?`, at most 14 integer and 4
/// fraction digits, a known currency) is computed from its bytes, and anything else (escapes,
/// other spellings, other types) is handed to the same parsers the reference uses
/// (`JSONValue.parse`, `Amount`). Whatever it does not expect at the envelope level (another event
/// type, an escape in a member name or an envelope string, a `recordedAt` not in canonical form,
/// bytes that are not a JSON object) makes it return nil, and the caller decodes the whole
/// envelope instead: the scan is a shortcut, never a second opinion. Stored bytes are trusted as
/// in every read (their chain is what `verify` checks).
struct StoredEventScan {

    /// Strings repeated from one event to the next are made once per run of equal bytes.
    private var recordedAt = Interned()
    private var actorID = Interned()
    private var actorRole = Interned()
    private var streams = StreamTable()
    private var date = Interned()
    private var provider = Interned()
    private var payee = Interned()
    private var kind = Interned()
    /// The currencies met so far, by their code's bytes (a ledger uses a handful).
    private var currencies: [(code: [UInt8], currency: CurrencyCode)] = []
    /// The names of the other event types met so far (the catalogue has a few dozen).
    private var otherTypes = TypeNames()

    /// The event as `ProjectionBatch` reads it, or nil when the caller must decode it in full.
    ///
    /// A transaction event comes with its `transaction` facts and an empty payload. Any other
    /// event is declined, unless `otherPayloads`: then it comes with its payload parsed from the
    /// payload's bytes alone (by `JSONValue.parse`, as the full decode parses it), which spares
    /// the parse of the rest of the envelope and the making of an `EventEnvelope` (the rebuild's
    /// use, where the rarer events are still one in nine).
    mutating func projectedEvent(_ event: StoredEventBytes, otherPayloads: Bool = false) -> ProjectedEvent? {
        event.canonicalBytes.withUnsafeBufferPointer { scan($0, seq: event.seq, otherPayloads: otherPayloads) }
    }

    private mutating func scan(_ b: UnsafeBufferPointer<UInt8>, seq expectedSeq: Int64, otherPayloads: Bool) -> ProjectedEvent? {
        var cursor = Cursor(b)
        var seq: Int64?
        var actor: (id: Range<Int>, role: Range<Int>?)?
        var occurredAt: Range<Int>?, payload: Range<Int>?, recorded: Range<Int>?, streamRange: Range<Int>?
        var type: TransactionEventType?
        var otherType: Range<Int>?
        guard cursor.take(Byte.openBrace) else { return nil }
        repeat {
            guard let key = cursor.plainString(), cursor.take(Byte.colon) else { return nil }
            switch Self.envelopeMember(key, b) {
            case .actor: guard let a = cursor.actor() else { return nil }; actor = a
            case .occurredAt: guard let r = cursor.plainString() else { return nil }; occurredAt = r
            case .payload:
                let start = cursor.i
                guard cursor.peek == Byte.openBrace, cursor.skipValue() else { return nil }
                payload = start..<cursor.i
            case .recordedAt: guard let r = cursor.plainString() else { return nil }; recorded = r
            case .seq: guard let v = cursor.integer() else { return nil }; seq = v
            case .stream: guard let r = cursor.plainString() else { return nil }; streamRange = r
            case .type:
                guard let r = cursor.plainString() else { return nil }
                if let known = Self.transactionType(r, b) {
                    type = known
                } else {
                    guard otherPayloads else { return nil }
                    otherType = r
                }
            case .other: guard cursor.skipValue() else { return nil }
            }
        } while cursor.take(Byte.comma)
        guard cursor.take(Byte.closeBrace), cursor.i == b.count,
              let seq, seq == expectedSeq, let actor, let payload, let recorded, let streamRange, type != nil || otherType != nil
        else { return nil }
        var facts: TransactionFacts?
        var payloadObject = JSONObject()
        if type != nil {
            guard let read = transactionFacts(b, payload) else { return nil }
            facts = read
        } else {
            guard case let .object(object)? = try? JSONValue.parse(UnsafeBufferPointer(rebasing: b[payload])) else { return nil }
            payloadObject = object
        }
        let typeName: String
        if let type {
            typeName = type.name
        } else {
            guard let otherType, let name = otherTypes.name(b, otherType) else { return nil }
            typeName = name
        }
        let recordedAtText = recordedAt.string(b, recorded) { Timestamp(canonical: $0) != nil }
        guard let recordedAtText, let id = actorID.string(b, actor.id), let stream = streams.stream(b, streamRange) else {
            return nil
        }
        var role: String?
        if let r = actor.role {
            guard let text = actorRole.string(b, r) else { return nil }
            role = text
        }
        var occurred: String?
        if let occurredAt {
            guard let text = Self.text(b, occurredAt) else { return nil }
            occurred = text
        }
        return ProjectedEvent(seq: seq, stream: stream.name, type: typeName, actorID: id, actorRole: role,
                              recordedAt: recordedAtText, occurredAt: occurred, payload: payloadObject,
                              transaction: type.flatMap { type in facts.map { (type, $0) } }, projectID: stream.projectID)
    }

    // MARK: The payload

    /// The facts of the payload object at `range`, or nil when one cannot be read.
    private mutating func transactionFacts(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> TransactionFacts? {
        var cursor = Cursor(b, from: range.lowerBound, to: range.upperBound)
        var facts = TransactionFacts()
        guard cursor.take(Byte.openBrace) else { return nil }
        if !cursor.take(Byte.closeBrace) {
            repeat {
                guard let key = cursor.plainString(), cursor.take(Byte.colon) else { return nil }
                switch Self.payloadMember(key, b) {
                case .amount: guard let value = amount(&cursor) else { return nil }; facts.amount = value
                case .transactionId: guard let value = Self.string(&cursor, { Self.text(b, $0) }) else { return nil }; facts.transactionId = value
                case .date: guard let value = Self.string(&cursor, { date.string(b, $0) }) else { return nil }; facts.date = value
                case .provider: guard let value = Self.string(&cursor, { provider.string(b, $0) }) else { return nil }; facts.provider = value
                case .payee: guard let value = Self.string(&cursor, { payee.string(b, $0) }) else { return nil }; facts.payee = value
                case .kind: guard let value = Self.string(&cursor, { kind.string(b, $0) }) else { return nil }; facts.kind = value
                case .decisionReference:
                    guard let value = Self.string(&cursor, { Self.text(b, $0) }) else { return nil }; facts.decisionReference = value
                case .approvalReference:
                    guard let value = Self.string(&cursor, { Self.text(b, $0) }) else { return nil }; facts.approvalReference = value
                case .amendmentReference:
                    guard let value = Self.string(&cursor, { Self.text(b, $0) }) else { return nil }; facts.amendmentReference = value
                case .fiscalYear: guard let value = Self.integer(&cursor) else { return nil }; facts.fiscalYear = value
                case .other: guard cursor.skipValue() else { return nil }
                }
            } while cursor.take(Byte.comma)
            guard cursor.take(Byte.closeBrace) else { return nil }
        }
        guard cursor.i == range.upperBound else { return nil }
        return facts
    }

    /// The value at the cursor as `JSONValue.stringValue` gives it: `.some(nil)` when it is not a
    /// string, nil when it cannot be read. A string without escapes is made by `make` from the
    /// range of its bytes, one with escapes is decoded by the JSON parser.
    private static func string(_ cursor: inout Cursor, _ make: (Range<Int>) -> String?) -> String?? {
        let start = cursor.i
        if let r = cursor.plainString() {
            guard let text = make(r) else { return nil }
            return .some(text)
        }
        guard cursor.skipValue() else { return nil }
        guard cursor.b[start] == Byte.quote else { return .some(nil) }
        guard case let .string(text)? = try? JSONValue.parse(UnsafeBufferPointer(rebasing: cursor.b[start..<cursor.i])) else {
            return nil
        }
        return .some(text)
    }

    /// The bytes at `range` of the buffer being scanned as a string, nil if not valid UTF-8.
    private static func text(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        String(validating: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self)
    }

    /// The value at the cursor as `JSONValue.integerValue` gives it: plain digits directly (up to
    /// 15, well inside the parser's ±(2^53 − 1) integer range), anything else through the parser.
    private static func integer(_ cursor: inout Cursor) -> Int64?? {
        let start = cursor.i
        guard cursor.skipValue() else { return nil }
        let token = cursor.b[start..<cursor.i]
        if token.count <= 15, token.allSatisfy(Byte.isDigit), token.count == 1 || token.first != Byte.zero {
            return .some(token.reduce(Int64(0)) { $0 * 10 + Int64($1 - Byte.zero) })
        }
        guard let value = try? JSONValue.parse(UnsafeBufferPointer(rebasing: token)) else { return nil }
        return .some(value.integerValue)
    }

    /// The value at the cursor as `try? Amount(json:)` gives it: `.some(nil)` when it is not an
    /// amount that parses, nil when it cannot be read.
    private mutating func amount(_ cursor: inout Cursor) -> Amount?? {
        let b = cursor.b
        let start = cursor.i
        guard cursor.skipValue() else { return nil }
        let end = cursor.i
        guard b[start] == Byte.openBrace else { return .some(nil) }
        // The common form: an object whose `amount` and `currency` are strings without escapes.
        var inner = Cursor(b, from: start, to: end)
        var digits: Range<Int>?, code: Range<Int>?
        var plain = inner.take(Byte.openBrace)
        if plain, !inner.take(Byte.closeBrace) {
            repeat {
                guard let key = inner.plainString(), inner.take(Byte.colon) else { plain = false; break }
                if Byte.same(b, key, "amount") {
                    guard let r = inner.plainString() else { plain = false; break }
                    digits = r
                } else if Byte.same(b, key, "currency") {
                    guard let r = inner.plainString() else { plain = false; break }
                    code = r
                } else {
                    guard inner.skipValue() else { plain = false; break }
                }
            } while inner.take(Byte.comma)
        }
        if plain, let digits, let code {
            if let units = Self.tenThousandths(b, digits) {
                guard let currency = currency(b, code) else { return .some(nil) }
                return .some(Amount(tenThousandths: units, currency: currency))
            }
            guard let text = Self.text(b, digits), let codeText = Self.text(b, code) else { return nil }
            return .some(try? Amount(text, currency: codeText))
        }
        guard let value = try? JSONValue.parse(UnsafeBufferPointer(rebasing: b[start..<end])) else { return nil }
        return .some(try? Amount(json: value))
    }

    /// The amount in ten-thousandths when `range` holds the common spelling `DecimalString`
    /// accepts (optional `-`, 1 to 14 integer digits without a leading zero, optionally `.` and
    /// 1 to 4 digits, not a signed zero); nil for every other spelling, which `Amount` then judges.
    static func tenThousandths(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int128? {
        var i = range.lowerBound
        let end = range.upperBound
        let negative = i < end && b[i] == Byte.minus
        if negative { i += 1 }
        let integerStart = i
        var value: Int64 = 0
        // Wrapping arithmetic: a value with more digits than accepted below is never used.
        while i < end, Byte.isDigit(b[i]) { value = value &* 10 &+ Int64(b[i] - Byte.zero); i += 1 }
        let integerDigits = i - integerStart
        guard (1...14).contains(integerDigits), integerDigits == 1 || b[integerStart] != Byte.zero else { return nil }
        var fractionDigits = 0
        if i < end, b[i] == Byte.point {
            i += 1
            let fractionStart = i
            while i < end, Byte.isDigit(b[i]) { value = value &* 10 &+ Int64(b[i] - Byte.zero); i += 1 }
            fractionDigits = i - fractionStart
            guard (1...4).contains(fractionDigits) else { return nil }
        }
        guard i == end, !(negative && value == 0) else { return nil }
        for _ in fractionDigits..<Amount.scale { value *= 10 }
        return Int128(negative ? -value : value)
    }

    /// The currency whose code is at `range`, nil when it is not a known ISO 4217 code.
    private mutating func currency(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> CurrencyCode? {
        for known in currencies where Byte.same(b, range, known.code) { return known.currency }
        guard let text = Self.text(b, range), let currency = try? CurrencyCode(text) else { return nil }
        if currencies.count < 32 { currencies.append((Array(b[range]), currency)) }
        return currency
    }

    // MARK: Member names

    private enum EnvelopeMember { case actor, occurredAt, payload, recordedAt, seq, stream, type, other }

    private static func envelopeMember(_ key: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> EnvelopeMember {
        switch key.count {
        case 3: Byte.same(b, key, "seq") ? .seq : .other
        case 4: Byte.same(b, key, "type") ? .type : .other
        case 5: Byte.same(b, key, "actor") ? .actor : .other
        case 6: Byte.same(b, key, "stream") ? .stream : .other
        case 7: Byte.same(b, key, "payload") ? .payload : .other
        case 10: Byte.same(b, key, "recordedAt") ? .recordedAt : Byte.same(b, key, "occurredAt") ? .occurredAt : .other
        default: .other
        }
    }

    private enum PayloadMember {
        case amount, transactionId, date, provider, payee, kind, decisionReference, approvalReference, amendmentReference, fiscalYear
        case other
    }

    private static func payloadMember(_ key: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> PayloadMember {
        switch key.count {
        case 4: Byte.same(b, key, "date") ? .date : Byte.same(b, key, "kind") ? .kind : .other
        case 5: Byte.same(b, key, "payee") ? .payee : .other
        case 6: Byte.same(b, key, "amount") ? .amount : .other
        case 8: Byte.same(b, key, "provider") ? .provider : .other
        case 10: Byte.same(b, key, "fiscalYear") ? .fiscalYear : .other
        case 13: Byte.same(b, key, "transactionId") ? .transactionId : .other
        case 17: Byte.same(b, key, "decisionReference") ? .decisionReference
            : Byte.same(b, key, "approvalReference") ? .approvalReference : .other
        case 18: Byte.same(b, key, "amendmentReference") ? .amendmentReference : .other
        default: .other
        }
    }

    /// The transaction type at `range`, nil for any other type.
    private static func transactionType(_ range: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> TransactionEventType? {
        switch range.count {
        case 18: Byte.same(b, range, "CommitmentRecorded") ? .commitment : nil
        case 20: Byte.same(b, range, "DisbursementRecorded") ? .disbursement : nil
        case 19: Byte.same(b, range, "ExpenditureRecorded") ? .expenditure : nil
        case 31: Byte.same(b, range, "CounterpartContributionRecorded") ? .counterpartContribution : nil
        default: nil
        }
    }
}

/// The bytes the scan looks for.
private enum Byte {
    static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":"), comma = UInt8(ascii: ",")
    static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
    static let zero = UInt8(ascii: "0"), minus = UInt8(ascii: "-"), point = UInt8(ascii: ".")

    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }

    /// Whether `byte` ends a number or literal.
    static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case quote, comma, colon, openBrace, closeBrace, openBracket, closeBracket: true
        default: false
        }
    }

    /// Whether `b[range]` spells `name`.
    static func same(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ name: StaticString) -> Bool {
        name.withUTF8Buffer { same(b, range, $0) }
    }

    static func same(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ other: some Collection<UInt8>) -> Bool {
        guard other.count == range.count else { return false }
        var i = range.lowerBound
        for byte in other {
            guard b[i] == byte else { return false }
            i += 1
        }
        return true
    }
}

/// The event type names met so far, by their bytes: a rebuild meets a few dozen, each made once.
private struct TypeNames {
    private var known: [(bytes: [UInt8], name: String)] = []

    /// The bytes at `range` as a string, nil if not valid UTF-8.
    mutating func name(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        for entry in known where Byte.same(b, range, entry.bytes) { return entry.name }
        guard let name = String(validating: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self) else { return nil }
        if known.count < 64 { known.append((Array(b[range]), name)) }
        return name
    }
}

/// The last string made from a run of equal bytes, so repeated values are decoded once.
private struct Interned {
    private var bytes: [UInt8] = []
    private var text: String?

    /// The bytes at `range` as a string (nil if not valid UTF-8 or refused by `accept`).
    mutating func string(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, accept: (String) -> Bool = { _ in true }) -> String? {
        if let text, Byte.same(b, range, bytes) { return text }
        let slice = UnsafeBufferPointer(rebasing: b[range])
        guard let made = String(validating: slice, as: UTF8.self), accept(made) else { return nil }
        bytes = Array(slice)
        text = made
        return made
    }
}

/// The streams met so far, by their bytes, each with its project id: a ledger interleaves many
/// projects, so an event's stream is rarely the previous event's, and making both strings afresh
/// for every event costs more than finding them here. Open addressing on an FNV-1a hash of the
/// bytes; past `limit` streams, further ones are made afresh each time instead of kept.
private struct StreamTable {
    static let limit = 1 << 16
    private var hashes = [UInt64](repeating: 0, count: 1024)
    private var entries = [(bytes: [UInt8], name: String, projectID: String?)?](repeating: nil, count: 1024)
    private var count = 0

    /// The stream at `range` and its project (`ProjectedEvent.projectID(ofStream:)`); nil if not UTF-8.
    mutating func stream(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (name: String, projectID: String?)? {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in range { hash = (hash ^ UInt64(b[i])) &* 0x0000_0100_0000_01b3 }
        hash |= 1 // 0 marks an empty slot
        let mask = hashes.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while hashes[slot] != 0 {
            if hashes[slot] == hash, let entry = entries[slot], Byte.same(b, range, entry.bytes) {
                return (entry.name, entry.projectID)
            }
            slot = (slot + 1) & mask
        }
        guard let name = String(validating: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self) else { return nil }
        let projectID = ProjectedEvent.projectID(ofStream: name)
        if count < Self.limit {
            hashes[slot] = hash
            entries[slot] = (Array(b[range]), name, projectID)
            count += 1
            if count * 2 > hashes.count { grow() }
        }
        return (name, projectID)
    }

    /// Doubles the slots, placing every entry again.
    private mutating func grow() {
        let oldHashes = hashes, oldEntries = entries
        hashes = [UInt64](repeating: 0, count: oldHashes.count * 2)
        entries = Array(repeating: nil, count: oldHashes.count * 2)
        let mask = hashes.count - 1
        for (index, hash) in oldHashes.enumerated() where hash != 0 {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while hashes[slot] != 0 { slot = (slot + 1) & mask }
            hashes[slot] = hash
            entries[slot] = oldEntries[index]
        }
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
        guard i < end, b[i] == Byte.quote else { return nil }
        var j = i + 1
        while j < end {
            let c = b[j]
            if c == Byte.quote {
                defer { i = j + 1 }
                return (i + 1)..<j
            }
            if c == Byte.backslash || c < 0x20 { return nil }
            j += 1
        }
        return nil
    }

    /// A non-negative integer without sign, fraction or exponent.
    mutating func integer() -> Int64? {
        var value: Int64 = 0
        let start = i
        while i < end, Byte.isDigit(b[i]) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int64(b[i] - Byte.zero))
            guard !o1, !o2 else { return nil }
            value = plus
            i += 1
        }
        guard i > start, i - start == 1 || b[start] != Byte.zero else { return nil }
        return value
    }

    /// `{"id": ..., "role": ..., "unit": ...}` with plain strings: the ranges of id and role.
    mutating func actor() -> (id: Range<Int>, role: Range<Int>?)? {
        guard take(Byte.openBrace) else { return nil }
        var id: Range<Int>?, role: Range<Int>?
        repeat {
            guard let key = plainString(), take(Byte.colon), let value = plainString() else { return nil }
            if Byte.same(b, key, "id") { id = value } else if Byte.same(b, key, "role") { role = value }
        } while take(Byte.comma)
        guard take(Byte.closeBrace), let id else { return nil }
        return (id, role)
    }

    /// Steps over one value of any kind (strings with escapes included); false if malformed.
    mutating func skipValue() -> Bool {
        var depth = 0
        repeat {
            guard i < end else { return false }
            switch b[i] {
            case Byte.quote:
                i += 1
                while i < end, b[i] != Byte.quote { i += b[i] == Byte.backslash ? 2 : 1 }
                guard i < end else { return false }
                i += 1
            case Byte.openBrace, Byte.openBracket:
                depth += 1
                i += 1
            case Byte.closeBrace, Byte.closeBracket:
                guard depth > 0 else { return false }
                depth -= 1
                i += 1
            case Byte.comma, Byte.colon:
                guard depth > 0 else { return false }
                i += 1
            default:
                while i < end, !Byte.isDelimiter(b[i]) { i += 1 }
            }
        } while depth > 0
        return true
    }
}
