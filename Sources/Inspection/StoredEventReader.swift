import EventLog
import ODA

/// Reads the few members the rules need straight from an event's stored canonical bytes,
/// without building a JSON tree or re-serialising to check canonical form (what
/// `EventEnvelope(canonicalBytes:)` does, and what made a full evaluation slow).
///
/// The bytes come from `EventStore.readStored`, which has already checked that they are a
/// canonical ledger envelope, so this reader only walks them: RFC 8785 objects have sorted keys,
/// no whitespace, strings escaped only where they must be, and (in this ledger) integers only.
/// It walks members one at a time and stops at the last one it needs, keeping no lists; the
/// envelope's last members (`stream`, `streamVersion`, `type`) are read backwards from the end.
/// Anything it does not expect makes it give up (nil), and the caller decodes the event in full;
/// so it can be slower on odd input but never different. `ProjectFact.read` is held to
/// `ProjectFact(_: EventEnvelope)` by tests over generated and unusual events.
///
/// The reader walks the bytes through a buffer pointer, without the bounds check and the array
/// reference of indexing an `[UInt8]` at every byte (the walk is most of a full evaluation's
/// reading). Every access stays inside `begin..<end`, which each walk checks before it reads, and
/// a reader exists only inside `reading(_:range:_:)`, so the pointer never outlives the array it
/// points into and never leaves the reader: what the reader hands out is ranges, Strings and values.
struct StoredEventReader {
    /// The bytes holding the envelope, which is `bytes[begin..<end]` (a batch of stored rows is
    /// read into one buffer, each event a range of it); every range this reader gives indexes `bytes`.
    let bytes: UnsafeBufferPointer<UInt8>
    let begin: Int
    let end: Int

    /// A reader of the envelope at `range` in `bytes` (valid only while `bytes` is).
    private init(bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "an envelope's range lies inside its buffer")
        self.bytes = bytes
        self.begin = range.lowerBound
        self.end = range.upperBound
    }

    /// Calls `body` with a reader of the envelope at `range` in `buffer` (its whole when nil).
    static func reading<R>(_ buffer: [UInt8], range: Range<Int>? = nil, _ body: (StoredEventReader) throws -> R) rethrows -> R {
        try buffer.withUnsafeBufferPointer { try body(StoredEventReader(bytes: $0, range: range ?? 0..<$0.count)) }
    }

    /// Calls `body` with a maker of readers of envelopes in `buffer` (a batch of rows), so that a
    /// walk over many of them takes the buffer's pointer once.
    static func reading<R>(batch buffer: [UInt8], _ body: ((Range<Int>) -> StoredEventReader) throws -> R) rethrows -> R {
        try buffer.withUnsafeBufferPointer { pointer in try body { StoredEventReader(bytes: pointer, range: $0) } }
    }

    // MARK: the envelope's tail

    /// The ranges of the `stream` and `type` strings (without quotes), read backwards from the
    /// end, where canonical order puts `"stream":"…","streamVersion":N,"type":"…"}`. Nil when the
    /// bytes do not end that way or either string holds an escape.
    func tail() -> (stream: Range<Int>, type: Range<Int>)? {
        let last = end - 1
        guard last - begin > 40, bytes[last] == UInt8(ascii: "}") else { return nil }
        // `,"type":"T"` ends just before the closing brace.
        guard let type = plainStringBackwards(closingQuote: last - 1), literal(Self.typeKey, lastByte: type.lowerBound - 1) else {
            return nil
        }
        // `,"streamVersion":DIGITS` before it.
        var i = type.lowerBound - Self.typeKey.utf8CodeUnitCount - 1
        let digitsEnd = i
        while i > begin, bytes[i] >= 0x30, bytes[i] <= 0x39 { i -= 1 }
        guard i < digitsEnd, literal(Self.streamVersionKey, lastByte: i) else { return nil }
        // `,"stream":"S"` before that.
        i -= Self.streamVersionKey.utf8CodeUnitCount
        guard let stream = plainStringBackwards(closingQuote: i), literal(Self.streamKey, lastByte: stream.lowerBound - 1) else {
            return nil
        }
        return (stream, type)
    }

    /// The body of the `recordedAt` string, read backwards from the `stream` range `tail()` gave,
    /// over `,"recordedAt":"…","schemaVersion":N,"seq":N,`; nil when the bytes are not so.
    func recordedAt(beforeStream stream: Range<Int>) -> Range<Int>? {
        var i = stream.lowerBound - Self.streamKey.utf8CodeUnitCount - 1
        // `,"seq":N` then `,"schemaVersion":N`, read backwards (unrolled: no list per event).
        guard skipDigitsBackwards(&i, after: Self.seqKey), skipDigitsBackwards(&i, after: Self.schemaVersionKey) else { return nil }
        guard let body = plainStringBackwards(closingQuote: i), literal(Self.recordedAtKey, lastByte: body.lowerBound - 1) else {
            return nil
        }
        return body
    }

    /// The `actor` value and where the `payload` value starts, walking the envelope's first
    /// members (the payload is not skipped over: its members are walked next).
    func head() -> (actor: Range<Int>?, payload: Int)? {
        var i = begin
        guard i < end, bytes[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var actor: Range<Int>?
        while true {
            guard let key = stringRange(at: &i), i < end, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            if equals(key, "payload") { return (actor, i) }
            let start = i
            guard skipValue(at: &i), i < end, bytes[i] == UInt8(ascii: ",") else { return nil }
            if equals(key, "actor") { actor = start..<i }
            i += 1
        }
    }

    private static let seqKey: StaticString = ",\"seq\":"
    private static let schemaVersionKey: StaticString = ",\"schemaVersion\":"
    private static let recordedAtKey: StaticString = ",\"recordedAt\":\""
    private static let typeKey: StaticString = ",\"type\":\""
    private static let streamVersionKey: StaticString = ",\"streamVersion\":"
    private static let streamKey: StaticString = ",\"stream\":\""

    /// The body of the string whose closing quote is at `close`, when it holds no backslash.
    private func plainStringBackwards(closingQuote close: Int) -> Range<Int>? {
        guard close > begin, close < end, bytes[close] == UInt8(ascii: "\"") else { return nil }
        var j = close - 1
        // Eight bytes at a time while they hold neither a quote nor a backslash.
        let base = UnsafeRawPointer(bytes.baseAddress!)
        while j - 8 >= begin {
            let word = base.loadUnaligned(fromByteOffset: j - 7, as: UInt64.self)
            if Self.holds(word, UInt8(ascii: "\"")) || Self.holds(word, UInt8(ascii: "\\")) { break }
            j -= 8
        }
        while j > begin {
            let b = bytes[j]
            if b == UInt8(ascii: "\"") { return (j + 1)..<close }
            if b == UInt8(ascii: "\\") { return nil }
            j -= 1
        }
        return nil
    }

    /// Moves `i` back over the digits ending at `i` and the `key` before them; false when the
    /// bytes there are not one or more digits preceded by `key`.
    private func skipDigitsBackwards(_ i: inout Int, after key: StaticString) -> Bool {
        let digitsEnd = i
        while i > begin, bytes[i] >= 0x30, bytes[i] <= 0x39 { i -= 1 }
        guard i < digitsEnd, literal(key, lastByte: i) else { return false }
        i -= key.utf8CodeUnitCount
        return true
    }

    /// Whether `text` sits in the bytes with its last byte at `lastByte`.
    private func literal(_ text: StaticString, lastByte: Int) -> Bool {
        let count = text.utf8CodeUnitCount
        let start = lastByte + 1 - count
        guard start >= begin, lastByte < end else { return false }
        return Self.same(bytes.baseAddress! + start, text.utf8Start, count: count)
    }

    /// Whether the bytes in `range` equal `text`.
    func equals(_ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        guard range.count > 0 else { return true }
        return Self.same(bytes.baseAddress! + range.lowerBound, text.utf8Start, count: range.count)
    }

    /// Whether the `count` bytes at `a` and at `b` are equal: eight at a time, the last eight
    /// overlapping the ones before (both spans are `count` bytes long, so no load leaves them).
    private static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
        guard count >= 8 else {
            for k in 0..<count where a[k] != b[k] { return false }
            return true
        }
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b)
        var k = 0
        while k + 8 < count {
            if x.loadUnaligned(fromByteOffset: k, as: UInt64.self) != y.loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
            k += 8
        }
        return x.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == y.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }

    /// Whether any of the eight bytes of `word` is `byte` (the classic zero-byte test on
    /// `word` xor eight copies of `byte`; exact, no false answers either way).
    @inline(__always)
    static func holds(_ word: UInt64, _ byte: UInt8) -> Bool {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0
    }

    /// Whether the bytes in `range` begin with `prefix`.
    func hasPrefix(_ range: Range<Int>, _ prefix: StaticString) -> Bool {
        range.count >= prefix.utf8CodeUnitCount && equals(range.lowerBound..<(range.lowerBound + prefix.utf8CodeUnitCount), prefix)
    }

    // MARK: walking members

    /// Calls `body` with each member of the object starting at `start` (key range without
    /// quotes, value range) until it returns false; false when the object is malformed.
    func forEachMember(ofObjectAt start: Int, _ body: (Range<Int>, Range<Int>) -> Bool) -> Bool {
        var i = start
        guard i < end, bytes[i] == UInt8(ascii: "{") else { return false }
        i += 1
        if i < end, bytes[i] == UInt8(ascii: "}") { return true }
        while true {
            guard let key = stringRange(at: &i), i < end, bytes[i] == UInt8(ascii: ":") else { return false }
            i += 1
            let valueStart = i
            guard valueStart < end, skipValue(at: &i) else { return false }
            if !body(key, valueStart..<i) { return true }
            guard i < end else { return false }
            if bytes[i] == UInt8(ascii: "}") { return true }
            guard bytes[i] == UInt8(ascii: ",") else { return false }
            i += 1
        }
    }

    /// Whether the value in `range` is a string, an object, and so on.
    func isString(_ range: Range<Int>) -> Bool { bytes[range.lowerBound] == UInt8(ascii: "\"") }
    func isObject(_ range: Range<Int>) -> Bool { bytes[range.lowerBound] == UInt8(ascii: "{") }

    /// The body of the string value in `range` (without quotes), and whether it holds an escape.
    func stringBody(_ range: Range<Int>) -> (body: Range<Int>, escaped: Bool) {
        let body = (range.lowerBound + 1)..<(range.upperBound - 1)
        var escaped = false
        for k in body where bytes[k] == UInt8(ascii: "\\") { escaped = true; break }
        return (body, escaped)
    }

    /// The string a value holds, unescaped: `.some(nil)` when absent or not a string, nil when
    /// an escape is malformed. `names` shares one copy of each repeated long name.
    func string(_ value: Range<Int>?, names: inout ByteInterner) -> String?? {
        guard let value, isString(value) else { return .some(nil) }
        let (body, escaped) = stringBody(value)
        guard escaped else { return .some(names.string(bytes, body)) }
        guard let text = unescaped(body) else { return nil }
        return .some(text)
    }

    /// The integer a value holds; `.some(nil)` when absent or not an integer, nil when unreadable.
    func integer(_ value: Range<Int>?) -> Int64?? {
        guard let value else { return .some(nil) }
        let first = bytes[value.lowerBound]
        guard first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else { return .some(nil) }
        var i = value.lowerBound
        let negative = first == UInt8(ascii: "-")
        if negative { i += 1 }
        var n: Int64 = 0
        guard i < value.upperBound else { return nil }
        while i < value.upperBound {
            let d = bytes[i]
            guard d >= 0x30 && d <= 0x39 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d - 0x30))
            guard !o1, !o2 else { return nil }
            n = s
            i += 1
        }
        return .some(negative ? -n : n)
    }

    /// The canonical timestamp `YYYY-MM-DDTHH:MM:SS.ffffffZ` in `body`, read without making a
    /// String; anything else goes through `Timestamp.parse`, so the result is always what it gives.
    func timestamp(_ body: Range<Int>) -> Timestamp? {
        if body.count == 27 {
            let b = body.lowerBound
            var canonical = bytes[b + 4] == 0x2D && bytes[b + 7] == 0x2D && bytes[b + 10] == 0x54 && bytes[b + 13] == 0x3A
                && bytes[b + 16] == 0x3A && bytes[b + 19] == 0x2E && bytes[b + 26] == 0x5A
            func number(_ k: Int, _ width: Int) -> Int64 {
                var v: Int64 = 0
                for j in (b + k)..<(b + k + width) {
                    let c = bytes[j]
                    if c < 0x30 || c > 0x39 { canonical = false; return 0 }
                    v = v * 10 + Int64(c - 0x30)
                }
                return v
            }
            let year = number(0, 4), month = number(5, 2), day = number(8, 2)
            let hour = number(11, 2), minute = number(14, 2), second = number(17, 2), fraction = number(20, 6)
            if canonical, CivilDate.isValid(year: year, month: month, day: day), hour < 24, minute < 60, second < 60 {
                let seconds = CivilDate.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
                return Timestamp(microsecondsSinceEpoch: seconds * 1_000_000 + fraction)
            }
        }
        return Timestamp.parse(String(decoding: bytes[body], as: UTF8.self))
    }

    /// The amount `{"amount": "<decimal>", "currency": "<code>", …}` in `value`, as
    /// `try? Amount(json:)` reads it: `.some(nil)` when absent or not such an object, nil when unreadable.
    func amount(_ value: Range<Int>?, currencies: inout CurrencyCache) -> Amount?? {
        guard let value else { return .some(nil) }
        guard isObject(value) else { return .some(nil) }
        var units: Range<Int>?, code: Range<Int>?
        var unitsIsString = false, codeIsString = false
        guard forEachMember(ofObjectAt: value.lowerBound, { key, v in
            if equals(key, "amount") { units = v; unitsIsString = isString(v) } else if equals(key, "currency") { code = v; codeIsString = isString(v) }
            return true
        }) else { return nil }
        guard let units, let code, unitsIsString, codeIsString else { return .some(nil) }
        let (unitBody, unitEscaped) = stringBody(units)
        let (codeBody, codeEscaped) = stringBody(code)
        if unitEscaped || codeEscaped {
            guard let text = unescaped(unitBody), let codeText = unescaped(codeBody) else { return nil }
            return .some(try? Amount(text, currency: codeText))
        }
        guard let currency = currencies.code(bytes, codeBody) else { return .some(nil) }
        guard let tenThousandths = Self.decimal(bytes, unitBody) else {
            return .some(try? Amount(String(decoding: bytes[unitBody], as: UTF8.self), currency))
        }
        return .some(Amount(tenThousandths: tenThousandths, currency: currency))
    }

    /// A decimal of the plain shape `-?(0|[1-9][0-9]{0,13})(\.[0-9]{1,4})?` in ten-thousandths
    /// (so it fits 64 bits),
    /// which is what `Amount`'s parser gives for it; nil for any other text (then `Amount` itself
    /// decides, so unusual and invalid spellings get exactly its answer).
    static func decimal(_ bytes: [UInt8], _ body: Range<Int>) -> Int128? {
        bytes.withUnsafeBufferPointer { decimal($0, body) }
    }

    /// The same over a buffer the caller holds.
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>, _ body: Range<Int>) -> Int128? {
        var i = body.lowerBound
        let end = body.upperBound
        guard i < end else { return nil }
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let integerStart = i
        var value: Int64 = 0
        while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            value = value * 10 + Int64(bytes[i] - 0x30)
            i += 1
            guard i - integerStart <= 14 else { return nil }
        }
        let integerDigits = i - integerStart
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return nil }
        var fractionDigits = 0
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                guard fractionDigits < 4 else { return nil }
                value = value * 10 + Int64(bytes[i] - 0x30)
                fractionDigits += 1
                i += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        guard i == end, !(negative && value == 0) else { return nil }
        for _ in fractionDigits..<4 { value *= 10 }
        return Int128(negative ? -value : value)
    }

    // MARK: scanning

    private func stringRange(at i: inout Int) -> Range<Int>? {
        guard i < end, bytes[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        let base = UnsafeRawPointer(bytes.baseAddress!)
        while i < end {
            // Eight bytes at a time while they hold neither a quote nor a backslash; then byte by
            // byte up to the one that stopped it (a short string goes byte by byte from the start).
            while i + 8 <= end {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if Self.holds(word, UInt8(ascii: "\"")) || Self.holds(word, UInt8(ascii: "\\")) { break }
                i += 8
            }
            while i < end {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    let r = start..<i
                    i += 1
                    return r
                }
                i += 1
                // An escape: its next byte is never the closing quote; back to eight at a time after it.
                if b == UInt8(ascii: "\\") {
                    i += 1
                    break
                }
            }
        }
        return nil
    }

    private func skipValue(at i: inout Int, depth: Int = 0) -> Bool {
        guard i < end, depth < 64 else { return false }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            return stringRange(at: &i) != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[i] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            i += 1
            if i < end, bytes[i] == close { i += 1; return true }
            while true {
                if isObject {
                    guard stringRange(at: &i) != nil, i < end, bytes[i] == UInt8(ascii: ":") else { return false }
                    i += 1
                }
                guard skipValue(at: &i, depth: depth + 1), i < end else { return false }
                if bytes[i] == close { i += 1; return true }
                guard bytes[i] == UInt8(ascii: ",") else { return false }
                i += 1
            }
        case UInt8(ascii: "t"):
            i += 4
            return i <= end
        case UInt8(ascii: "f"):
            i += 5
            return i <= end
        case UInt8(ascii: "n"):
            i += 4
            return i <= end
        default:
            // A number: this ledger stores integers only; a fraction or exponent is left to the full decoder.
            let start = i
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i > start && (i == end || bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: "}")
                                 || bytes[i] == UInt8(ascii: "]"))
        }
    }

    private func hex(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: UInt32(b - 0x30)
        case 0x61...0x66: UInt32(b - 0x61 + 10)
        case 0x41...0x46: UInt32(b - 0x41 + 10)
        default: nil
        }
    }

    /// The text of a string body holding escapes; nil when an escape is malformed.
    func unescaped(_ range: Range<Int>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        func unit(at j: Int) -> UInt32? {
            guard j + 4 <= range.upperBound, let a = hex(bytes[j]), let b = hex(bytes[j + 1]), let c = hex(bytes[j + 2]),
                  let d = hex(bytes[j + 3]) else { return nil }
            return a << 12 | b << 8 | c << 4 | d
        }
        while i < range.upperBound {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            guard i + 1 < range.upperBound else { return nil }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = unit(at: i) else { return nil }
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 6 <= range.upperBound, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                          let low = unit(at: i + 2), (0xDC00..<0xE000).contains(low) else { return nil }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let s = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: Array(String(Character(s)).utf8))
            default:
                return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Shares one String per distinct byte sequence, so names repeated over many events (payees,
/// users, project ids) are held once instead of once per fact, and are not allocated again for
/// every event. Short texts (15 UTF-8 bytes or fewer) are stored inline in a Swift String anyway
/// and are made directly. Also numbers each distinct text (`index`), for keying by integer.
/// Each text's bytes are kept as well, back to back, so a lookup compares bytes with bytes.
struct ByteInterner {
    private(set) var strings: [String] = []
    /// Open addressing: each slot holds an index into `strings` plus one, 0 when empty.
    private var slots: [Int32] = Array(repeating: 0, count: 64)
    private var hashes: [UInt64] = []
    /// The bytes of every text in order, text `n` ending at `ends[n]`.
    private var storage: [UInt8] = []
    private var ends: [Int] = []

    /// The text of the UTF-8 bytes in `range` (valid UTF-8 as canonical JSON is; invalid bytes
    /// would be repaired exactly as `String(decoding:as:)` repairs them).
    mutating func string(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        bytes.withUnsafeBufferPointer { string($0, range) }
    }

    /// The same over a buffer the caller holds.
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        if range.count <= 15 { return String(decoding: bytes[range], as: UTF8.self) }
        return strings[index(bytes, range)]
    }

    /// The number of the text in `range`: equal bytes, equal numbers, counted from 0 in order of first sight.
    mutating func index(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        bytes.withUnsafeBufferPointer { index($0, range) }
    }

    /// The same over a buffer the caller holds.
    mutating func index(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "a name's range lies inside its buffer")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in range { hash = (hash ^ UInt64(bytes[k])) &* 0x100_0000_01b3 }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { break }
            if hashes[entry - 1] == hash, stored(entry - 1, equals: bytes, range) { return entry - 1 }
            slot = (slot + 1) & mask
        }
        strings.append(String(decoding: bytes[range], as: UTF8.self))
        hashes.append(hash)
        storage.append(contentsOf: bytes[range])
        ends.append(storage.count)
        slots[slot] = Int32(strings.count)
        if strings.count * 2 > slots.count { grow() }
        return strings.count - 1
    }

    /// Whether text `n`'s bytes are those in `range`.
    private func stored(_ n: Int, equals bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        let start = n == 0 ? 0 : ends[n - 1]
        guard ends[n] - start == range.count else { return false }
        var k = start
        for i in range {
            if storage[k] != bytes[i] { return false }
            k += 1
        }
        return true
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (n, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(n + 1)
        }
    }
}

/// The currency codes met so far, so a code is checked against the codelist once, not per amount.
struct CurrencyCache {
    private var known: [(bytes: [UInt8], code: CurrencyCode)] = []

    /// The code spelled by the bytes in `range`; nil when it is not a known currency.
    mutating func code(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> CurrencyCode? {
        for entry in known where entry.bytes.elementsEqual(bytes[range]) { return entry.code }
        guard let code = try? CurrencyCode(String(decoding: bytes[range], as: UTF8.self)) else { return nil }
        known.append((Array(bytes[range]), code))
        return code
    }
}

extension ProjectFact {
    /// What `ProjectFact(_: EventEnvelope)` gives for the event these stored bytes hold, read
    /// without decoding the whole envelope: `.some(fact or nil)` when the bytes could be read,
    /// nil when the caller must decode the event in full to find out. `recordedAt` is read as
    /// well, since every project event moves its project's last recording time.
    static func read(stored bytes: [UInt8], type: String, seq: Int64) -> (fact: ProjectFact?, recordedAt: Timestamp)? {
        read(stored: bytes, range: 0..<bytes.count, type: type, seq: seq)
    }

    /// The same for the envelope at `range` in `bytes` (one row of a batch buffer).
    static func read(stored bytes: [UInt8], range: Range<Int>, type: String, seq: Int64) -> (fact: ProjectFact?, recordedAt: Timestamp)? {
        var names = ByteInterner()
        var currencies = CurrencyCache()
        return StoredEventReader.reading(bytes, range: range) { reader in
            guard let (stream, _) = reader.tail() else { return nil }
            return read(reader, stream: stream, kind: Self.kind(of: type), proposed: type == "ProjectProposed", seq: seq,
                        names: &names, currencies: &currencies)
        }
    }

    /// The same with the `stream` range `tail()` found, the event's kind already known (nil: no
    /// rule reads its type; `proposed`: it is a `ProjectProposed`) and the caller's tables of
    /// names and currencies, shared over many events. The bytes between the payload and
    /// `recordedAt` are not walked: this relies on the bytes being a whole canonical envelope,
    /// as `readStored`'s scanner has checked them to be.
    static func read(_ reader: StoredEventReader, stream: Range<Int>, kind: Kind?, proposed: Bool, seq: Int64, names: inout ByteInterner,
                     currencies: inout CurrencyCache) -> (fact: ProjectFact?, recordedAt: Timestamp)? {
        // `recordedAt` read backwards from the end, the actor and payload forwards from the start.
        guard let recordedBody = reader.recordedAt(beforeStream: stream), let recordedAt = reader.timestamp(recordedBody) else {
            return nil
        }
        guard let kind else { return (nil, recordedAt) }
        guard let (actorValue, payloadStart) = reader.head(), let actorValue, reader.isObject(actorValue),
              payloadStart < reader.end, reader.bytes[payloadStart] == UInt8(ascii: "{") else { return nil }
        var actorId: Range<Int>?
        guard reader.forEachMember(ofObjectAt: actorValue.lowerBound, { key, value in
            if reader.equals(key, "id") { actorId = value; return false }
            return true
        }), let actorText = reader.string(actorId, names: &names), let actor = actorText else { return nil }
        // The payload's members a fact can use, found in one walk.
        var p = PayloadMembers()
        guard reader.forEachMember(ofObjectAt: payloadStart, { key, value in
            p.note(key, value, reader)
            return true
        }) else { return nil }
        // Each field as `ProjectFact(_:)` reads it; a double optional's outer nil means "unreadable,
        // decode in full", thrown out of the whole fact (a flag set by these nested functions
        // was judged by the compiler to stay false, so the refusal is carried by the throw).
        func text(_ value: Range<Int>?) throws(UnreadableField) -> String? {
            guard let v = reader.string(value, names: &names) else { throw UnreadableField() }
            return v
        }
        func integer(_ value: Range<Int>?) throws(UnreadableField) -> Int64? {
            guard let v = reader.integer(value) else { throw UnreadableField() }
            return v
        }
        func amount(_ value: Range<Int>?) throws(UnreadableField) -> Amount? {
            guard let v = reader.amount(value, currencies: &currencies) else { throw UnreadableField() }
            return v
        }
        let fact: ProjectFact?
        do {
            switch kind {
            case .window:
                let start = try proposed ? text(p.plannedStartDate) : text(p.startDate)
                let end = try proposed ? text(p.plannedEndDate) : text(p.endDate)
                if let start, CalendarDate(start) != nil, let end, CalendarDate(end) != nil {
                    fact = ProjectFact(seq: seq, kind: .window, actor: actor, recordedAt: recordedAt, period: start, periodEnd: end)
                } else {
                    fact = nil
                }
            case .approval:
                fact = ProjectFact(seq: seq, kind: .approval, actor: actor, recordedAt: recordedAt,
                                   number: p.selfApproved.map { reader.bytes[$0.lowerBound] == UInt8(ascii: "t") } == true ? 1 : 0)
            case .commitment, .disbursement, .expenditure, .counterpart:
                if let value = try amount(p.amount) {
                    fact = try ProjectFact(seq: seq, kind: kind, actor: actor, recordedAt: recordedAt, date: text(p.date), amount: value,
                                       party: text(p.payee) ?? text(p.receiver),
                                       reference: kind == .expenditure ? text(p.invoiceNumber) : kind == .counterpart ? text(p.kind) : nil,
                                       number: kind == .counterpart ? integer(p.fiscalYear) : nil)
                } else {
                    fact = nil
                }
            case .budgetPlanned, .budgetRevised:
                let revision = kind == .budgetRevised
                fact = try ProjectFact(seq: seq, kind: kind, actor: actor, recordedAt: recordedAt,
                                   amount: revision ? amount(p.newAmount) : amount(p.amount), line: text(p.budgetLineId),
                                   period: text(p.periodStart), periodEnd: text(p.periodEnd))
            case .periodLocked, .reopenApproved:
                fact = try ProjectFact(seq: seq, kind: kind, actor: actor, recordedAt: recordedAt, line: text(p.budgetLineId),
                                   period: text(p.periodStart))
            case .reversal:
                fact = try integer(p.reversedSeq).map { ProjectFact(seq: seq, kind: .reversal, actor: actor, recordedAt: recordedAt, number: $0) }
            }
        } catch {
            return nil
        }
        return (fact, recordedAt)
    }

    /// A field the byte reader cannot follow: the event is then decoded in full.
    private struct UnreadableField: Error {}

    /// The payload members any fact reads, by name.
    private struct PayloadMembers {
        var amount, newAmount, date, payee, receiver, invoiceNumber, kind, fiscalYear: Range<Int>?
        var budgetLineId, periodStart, periodEnd, plannedStartDate, plannedEndDate, startDate, endDate: Range<Int>?
        var selfApproved, reversedSeq: Range<Int>?

        mutating func note(_ key: Range<Int>, _ value: Range<Int>, _ r: StoredEventReader) {
            switch key.count {
            case 4:
                if r.equals(key, "date") { date = value } else if r.equals(key, "kind") { kind = value }
            case 5:
                if r.equals(key, "payee") { payee = value }
            case 6:
                if r.equals(key, "amount") { amount = value }
            case 7:
                if r.equals(key, "endDate") { endDate = value }
            case 8:
                if r.equals(key, "receiver") { receiver = value }
            case 9:
                if r.equals(key, "newAmount") { newAmount = value } else if r.equals(key, "periodEnd") { periodEnd = value }
                else if r.equals(key, "startDate") { startDate = value }
            case 10:
                if r.equals(key, "fiscalYear") { fiscalYear = value }
            case 11:
                if r.equals(key, "periodStart") { periodStart = value } else if r.equals(key, "reversedSeq") { reversedSeq = value }
            case 12:
                if r.equals(key, "budgetLineId") { budgetLineId = value } else if r.equals(key, "selfApproved") { selfApproved = value }
            case 13:
                if r.equals(key, "invoiceNumber") { invoiceNumber = value }
            case 14:
                if r.equals(key, "plannedEndDate") { plannedEndDate = value }
            case 16:
                if r.equals(key, "plannedStartDate") { plannedStartDate = value }
            default:
                break
            }
        }
    }

    /// The kind of fact the event type spelled at `type` in the reader's bytes gives (as
    /// `kind(of:)`), and whether it is `ProjectProposed`; read without making a String. The
    /// type's length (and for the five of 19 bytes, its first byte) picks the one or two names
    /// it can be, so each event compares its type with one or two names rather than up to twelve.
    static func kind(_ reader: StoredEventReader, type: Range<Int>) -> (kind: Kind?, proposed: Bool) {
        switch type.count {
        case 15:
            if reader.equals(type, "ProjectProposed") { return (.window, true) }
            if reader.equals(type, "ProjectApproved") { return (.approval, false) }
        case 18:
            if reader.equals(type, "CommitmentRecorded") { return (.commitment, false) }
            if reader.equals(type, "BudgetPeriodLocked") { return (.periodLocked, false) }
        case 19:
            switch reader.bytes[type.lowerBound] {
            case UInt8(ascii: "E"): if reader.equals(type, "ExpenditureRecorded") { return (.expenditure, false) }
            case UInt8(ascii: "A"):
                if reader.equals(type, "AnnualBudgetPlanned") { return (.budgetPlanned, false) }
                if reader.equals(type, "AnnualBudgetRevised") { return (.budgetRevised, false) }
            case UInt8(ascii: "T"): if reader.equals(type, "TransactionReversed") { return (.reversal, false) }
            case UInt8(ascii: "P"): if reader.equals(type, "ProjectDatesRevised") { return (.window, false) }
            default: break
            }
        case 20:
            if reader.equals(type, "DisbursementRecorded") { return (.disbursement, false) }
            if reader.equals(type, "BudgetReopenApproved") { return (.reopenApproved, false) }
        case 31:
            if reader.equals(type, "CounterpartContributionRecorded") { return (.counterpart, false) }
        default:
            break
        }
        return (nil, false)
    }

    /// The kind of fact an event type gives, nil for types no rule looks at.
    static func kind(of type: String) -> Kind? {
        switch type {
        case "ProjectProposed", "ProjectDatesRevised": .window
        case "ProjectApproved": .approval
        case "CommitmentRecorded": .commitment
        case "DisbursementRecorded": .disbursement
        case "ExpenditureRecorded": .expenditure
        case "CounterpartContributionRecorded": .counterpart
        case "AnnualBudgetPlanned": .budgetPlanned
        case "AnnualBudgetRevised": .budgetRevised
        case "BudgetPeriodLocked": .periodLocked
        case "BudgetReopenApproved": .reopenApproved
        case "TransactionReversed": .reversal
        default: nil
        }
    }
}
