import Crypto

/// Reads stored envelope bytes in one pass, without building a JSON tree: it checks that they
/// are RFC 8785 canonical JSON of the ledger's integer-only subset and that the envelope's
/// members follow `Schemas/ledger-format.md` §2, and hands back where each top-level member is.
///
/// Verification and bulk reads run this over every event, so it allocates nothing per event
/// beyond the returned value. It accepts exactly what `EventEnvelope(canonicalBytes:)` accepts
/// (a test holds them to that); when it refuses, the full decoder says why in words.
struct EnvelopeScanner {
    /// Where a top-level member's value is, as byte offsets into the scanned bytes. For strings
    /// the range excludes the quotes; identifier-like members never contain escapes.
    struct Header {
        var seq: Int64 = 0
        var streamVersion: Int64 = 0
        var stream: Range<Int> = 0..<0
        var type: Range<Int> = 0..<0
        var recordedAt: Range<Int> = 0..<0
        /// The instant `recordedAt` names, read in the same pass that checked its spelling.
        var recordedAtMicroseconds: Int64 = 0
        var idempotencyKey: Range<Int>?
        var prev: Range<Int> = 0..<0
        /// Offset of the first top-level key that sorts after "hash", where an export splices it in.
        var hashInsertionPoint: Int = 0
    }

    /// Scans `bytes`; nil when they are not a canonical ledger envelope.
    static func scan(_ bytes: [UInt8]) -> Header? {
        bytes.withUnsafeBufferPointer { scan($0) }
    }

    static func scan(_ buffer: UnsafeBufferPointer<UInt8>) -> Header? {
        // A memo for one scan only would never be consulted: it keeps no copy of the actor.
        var memo = Memo(remembering: false)
        var scanner = Cursor(buffer)
        return scanner.envelope(memo: &memo)
    }

    /// Scans `bytes` with `memo` remembering what earlier scans accepted; the verdict and the
    /// header are exactly those of `scan(_:)` (see `Memo`).
    static func scan(_ bytes: [UInt8], memo: inout Memo) -> Header? {
        bytes.withUnsafeBufferPointer { scan($0, memo: &memo) }
    }

    static func scan(_ buffer: UnsafeBufferPointer<UInt8>, memo: inout Memo) -> Header? {
        var scanner = Cursor(buffer)
        return scanner.envelope(memo: &memo)
    }

    /// The `actor` object and the `recordedAt` spelling of the last envelope a scanner accepted.
    /// Consecutive events nearly always share both (one batch has one actor and one timestamp),
    /// so comparing the bytes with the remembered ones replaces re-reading them member by member.
    ///
    /// Guarantee: it changes no verdict. Only bytes that were accepted are remembered, and the
    /// checks they replace read nothing but those bytes: an actor object is judged by its own
    /// bytes up to its closing brace (the keys probed inside it never reach past it), and a
    /// `recordedAt` by its 27 bytes between the quotes, whose quotes are still checked. So the
    /// same bytes in another envelope get the same verdict and the same value.
    /// `EnvelopeScannerTests` holds memoised and fresh scans to the decoder on every mutation.
    struct Memo {
        /// The accepted actor object, braces included; empty when none is remembered.
        fileprivate var actor: [UInt8] = []
        /// The accepted `recordedAt` spelling as four overlapping words (bytes 0, 8, 16 and 19),
        /// and the instant it names; `hasRecordedAt` is false until one was accepted.
        fileprivate var recordedAtWords: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        fileprivate var recordedAtMicroseconds: Int64 = 0
        fileprivate var hasRecordedAt = false
        /// Longer actor objects (only possible with the longest ids and units) are not remembered.
        fileprivate static let longestActor = 512
        /// False for a scan on its own, which has no later envelope to remember anything for.
        fileprivate let remembersActor: Bool

        init() { remembersActor = true }

        fileprivate init(remembering: Bool) { remembersActor = remembering }
    }

    /// Whether the 64 bytes at `r` are all lowercase hex digits, eight at a time. For a word of
    /// ASCII bytes, adding 0x80 − k to each byte sets its high bit exactly when the byte is at
    /// least k, and no sum carries into the next byte, so each range test is one addition.
    static func isLowerHex64(_ r: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard r.count == 64, let base = b.baseAddress else { return false }
        let raw = UnsafeRawPointer(base + r.lowerBound)
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var failed: UInt64 = 0
        for k in stride(from: 0, to: 64, by: 8) {
            let x = raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            let digit = (x &+ ones &* (0x80 - 0x30)) & ~(x &+ ones &* (0x80 - 0x3A))
            let letter = (x &+ ones &* (0x80 - 0x61)) & ~(x &+ ones &* (0x80 - 0x67))
            failed |= x & highs | ~(digit | letter) & highs
        }
        return failed == 0
    }
}

private let maximumDepth = 64

/// Top-level member names in canonical order, with what each must hold.
private enum Member: Int, CaseIterable {
    case actor, causationId, correlationId, idempotencyKey, occurredAt, payload, prev, recordedAt, schemaVersion, seq,
         stream, streamVersion, type

    /// The member's name. A literal, not a stored array: the scanner compares names for every
    /// key of every event, and a global array would cost a lazy-initialisation check and a
    /// retain each time.
    var name: StaticString {
        switch self {
        case .actor: "actor"
        case .causationId: "causationId"
        case .correlationId: "correlationId"
        case .idempotencyKey: "idempotencyKey"
        case .occurredAt: "occurredAt"
        case .payload: "payload"
        case .prev: "prev"
        case .recordedAt: "recordedAt"
        case .schemaVersion: "schemaVersion"
        case .seq: "seq"
        case .stream: "stream"
        case .streamVersion: "streamVersion"
        case .type: "type"
        }
    }

    /// The members every envelope has, one bit per raw value.
    static let requiredMask: UInt16 = {
        let required: [Member] = [.actor, .payload, .prev, .recordedAt, .schemaVersion, .seq, .stream, .streamVersion, .type]
        return required.reduce(0) { $0 | 1 << $1.rawValue }
    }()
}

private struct Cursor {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) { b = buffer }

    mutating func envelope(memo: inout EnvelopeScanner.Memo) -> EnvelopeScanner.Header? {
        var header = EnvelopeScanner.Header()
        let requiredMembers = Member.requiredMask
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var seen = 0 as UInt16
        var previousMember = -1
        var insertion: Int?
        while true {
            let keyStart = i + 1
            guard let member = nextMember(after: previousMember) else { return nil }
            previousMember = member.rawValue
            seen |= 1 << member.rawValue
            if insertion == nil, member.rawValue >= Member.idempotencyKey.rawValue { insertion = keyStart - 1 }
            switch member {
            case .seq, .streamVersion, .schemaVersion:
                guard let value = integer(), value >= 1 else { return nil }
                if member == .seq { header.seq = value } else if member == .streamVersion { header.streamVersion = value }
            // Identifier-like values are read by their alphabet in one pass (`identifier`), and
            // fixed-width ones by their closing quote (`fixedWidthString`): each accepts exactly
            // what `string()` followed by the alphabet or format check accepts.
            case .stream:
                guard let r = identifier(ByteClass.streamCharacter), (1...256).contains(r.count),
                      Self.isIn(b[r.lowerBound], ByteClass.alphanumeric) else { return nil }
                header.stream = r
            case .type:
                guard let r = identifier(ByteClass.alphanumeric), (1...100).contains(r.count),
                      Self.isIn(b[r.lowerBound], ByteClass.uppercase) else { return nil }
                header.type = r
            case .idempotencyKey, .correlationId, .causationId:
                guard let r = identifier(ByteClass.token), (1...200).contains(r.count) else { return nil }
                if member == .idempotencyKey { header.idempotencyKey = r }
            case .recordedAt:
                guard let r = fixedWidthString(27), let micros = recordedAt(r, memo: &memo) else { return nil }
                header.recordedAt = r
                header.recordedAtMicroseconds = micros
            case .occurredAt:
                guard let r = string(), Self.isBusinessTime(r, b) else { return nil }
            case .prev:
                guard let r = fixedWidthString(64), EnvelopeScanner.isLowerHex64(r, b) else { return nil }
                header.prev = r
            case .actor:
                guard actor(memo: &memo) else { return nil }
            case .payload:
                guard i < b.count, b[i] == UInt8(ascii: "{"), value(depth: 1) else { return nil }
            }
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "}") else { return nil }
            i += 1
            break
        }
        guard i == b.count, seen & requiredMembers == requiredMembers else { return nil }
        header.hashInsertionPoint = insertion ?? (b.count - 1)
        return header
    }

    /// Reads the key at `i` and its colon, and returns its member, which must sort after raw
    /// value `previous`; nil when the key is no member name, or one out of canonical order.
    ///
    /// Member names are plain ASCII letters, so a key naming member m is exactly the bytes
    /// `"m":`; any other spelling (an escape, other bytes) names no member and is refused, as
    /// reading the key as a string and then looking it up would refuse it. The candidates are
    /// tried in canonical order from `previous + 1`, which is nearly always the first one.
    private mutating func nextMember(after previous: Int) -> Member? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        var raw = previous + 1
        while let candidate = Member(rawValue: raw) {
            if let end = keyEnd(candidate.name) {
                i = end
                return candidate
            }
            raw += 1
        }
        return nil
    }

    /// When the key at `i` (at its opening quote) is exactly `name` followed by a colon: the
    /// offset just past that colon.
    @inline(__always)
    private func keyEnd(_ name: StaticString) -> Int? {
        let close = i + 1 + name.utf8CodeUnitCount
        guard close + 1 < b.count, b[close] == UInt8(ascii: "\""), b[close + 1] == UInt8(ascii: ":"),
              Self.equals(name, (i + 1)..<close, b) else { return nil }
        return close + 2
    }

    /// Byte equality of a known name and a key, a word at a time: two overlapping loads cover
    /// any length from 4 to 16 (every member name), bytes one by one cover the rest.
    private static func equals(_ name: StaticString, _ key: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = key.count
        guard name.utf8CodeUnitCount == count, let base = b.baseAddress else { return false }
        let n = UnsafeRawPointer(name.utf8Start), k = UnsafeRawPointer(base + key.lowerBound)
        switch count {
        case 8...16:
            return n.loadUnaligned(as: UInt64.self) == k.loadUnaligned(as: UInt64.self)
                && n.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == k.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            return n.loadUnaligned(as: UInt32.self) == k.loadUnaligned(as: UInt32.self)
                && n.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == k.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        default:
            for j in 0..<count where n.load(fromByteOffset: j, as: UInt8.self) != k.load(fromByteOffset: j, as: UInt8.self) { return false }
            return true
        }
    }

    private static func actorMember(_ index: Int) -> StaticString {
        switch index {
        case 0: "id"
        case 1: "role"
        default: "unit"
        }
    }

    /// The instant the 27 bytes at `r` name when they are a canonical `recordedAt`, nil when not;
    /// bytes equal to the remembered accepted spelling are not read again.
    @inline(__always)
    private func recordedAt(_ r: Range<Int>, memo: inout EnvelopeScanner.Memo) -> Int64? {
        guard let base = b.baseAddress else { return nil }
        let p = UnsafeRawPointer(base + r.lowerBound)
        let words = (p.loadUnaligned(as: UInt64.self), p.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                     p.loadUnaligned(fromByteOffset: 16, as: UInt64.self), p.loadUnaligned(fromByteOffset: 19, as: UInt64.self))
        if memo.hasRecordedAt, words == memo.recordedAtWords { return memo.recordedAtMicroseconds }
        guard let micros = Timestamp.canonicalMicroseconds(UnsafeBufferPointer(rebasing: b[r])) else { return nil }
        memo.recordedAtWords = words
        memo.recordedAtMicroseconds = micros
        memo.hasRecordedAt = true
        return micros
    }

    /// The actor object at `i`, accepted at once when its bytes are the remembered accepted ones.
    private mutating func actor(memo: inout EnvelopeScanner.Memo) -> Bool {
        let start = i
        let known = memo.actor.count
        if known > 0, start + known <= b.count, let base = b.baseAddress {
            let same = memo.actor.withUnsafeBytes { remembered in
                RowChecker.equal(remembered, UnsafeRawBufferPointer(start: base + start, count: known))
            }
            if same {
                i = start + known
                return true
            }
        }
        guard actor() else { return false }
        if memo.remembersActor, i - start <= EnvelopeScanner.Memo.longestActor {
            memo.actor.removeAll(keepingCapacity: true)
            memo.actor.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<i]))
        }
        return true
    }

    /// `{"id":…,"role":…,"unit":…}` with `id` required, in that order.
    private mutating func actor() -> Bool {
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return false }
        i += 1
        var next = 0
        var sawID = false
        while true {
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { return false }
            // As for the envelope's members: a key naming an actor member is exactly `"name":`.
            var index = next
            var end: Int?
            while index < 3 {
                end = keyEnd(Self.actorMember(index))
                if end != nil { break }
                index += 1
            }
            guard let end else { return false }
            i = end
            next = index + 1
            guard let value = identifier(index == 1 ? ByteClass.lowercase : ByteClass.token) else { return false }
            switch index {
            case 0: guard (1...200).contains(value.count) else { return false }; sawID = true
            case 1: guard (1...50).contains(value.count) else { return false }
            default: guard (1...200).contains(value.count) else { return false }
            }
            guard i < b.count else { return false }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "}") else { return false }
            i += 1
            return sawID
        }
    }

    /// Any canonical value of the integer-only subset.
    private mutating func value(depth: Int) -> Bool {
        guard i < b.count, depth <= maximumDepth else { return false }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return true }
            var previous: Range<Int>?
            while true {
                guard let key = string(), i < b.count, b[i] == UInt8(ascii: ":") else { return false }
                if let previous, !Self.precedes(previous, key, b) { return false }
                previous = key
                i += 1
                guard value(depth: depth + 1), i < b.count else { return false }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else { return false }
                i += 1
                return true
            }
        case UInt8(ascii: "["):
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return true }
            while true {
                guard value(depth: depth + 1), i < b.count else { return false }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "]") else { return false }
                i += 1
                return true
            }
        case UInt8(ascii: "\""):
            return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default:
            return integer() != nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= b.count else { return false }
        for j in 0..<count where b[i + j] != word.utf8Start[j] { return false }
        i += count
        return true
    }

    /// A canonical integer within ±(2^53 − 1): no leading zeros, no "-0", no fraction or exponent.
    private mutating func integer() -> Int64? {
        var negative = false
        if i < b.count, b[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < b.count, (0x30...0x39).contains(b[i]) else { return nil }
        if b[i] == 0x30 {
            i += 1
            if negative { return nil }
            if i < b.count, (0x30...0x39).contains(b[i]) || b[i] == UInt8(ascii: ".") || b[i] | 0x20 == UInt8(ascii: "e") { return nil }
            return 0
        }
        var value: Int64 = 0
        while i < b.count, (0x30...0x39).contains(b[i]) {
            value = value * 10 + Int64(b[i] - 0x30)
            guard value <= 9_007_199_254_740_991 else { return nil }
            i += 1
        }
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] | 0x20 == UInt8(ascii: "e") { return nil }
        return negative ? -value : value
    }

    /// A string whose every byte is in class `mask`; returns the range between the quotes. No
    /// class holds a quote, a backslash, a control character or a non-ASCII byte, so such a
    /// string has no escapes and ends at the first quote: this accepts exactly what `string()`
    /// followed by a check of every byte against `mask` accepts, in one pass instead of two.
    @inline(__always)
    private mutating func identifier(_ mask: UInt8) -> Range<Int>? {
        guard i < b.count, b[i] == UInt8(ascii: "\""), let base = b.baseAddress else { return nil }
        let table = Self.byteClasses.utf8Start
        let start = i + 1
        var j = start
        while j < b.count, table[Int(base[j])] & mask != 0 { j += 1 }
        guard j < b.count, base[j] == UInt8(ascii: "\"") else { return nil }
        i = j + 1
        return start..<j
    }

    /// A string of exactly `width` bytes, found by its closing quote alone; returns the range
    /// between the quotes. Only for values whose format check (hex digits, a canonical
    /// timestamp) refuses quotes and backslashes: then a string that passes the check here is
    /// exactly one `string()` would have read, and any other spelling fails either way.
    @inline(__always)
    private mutating func fixedWidthString(_ width: Int) -> Range<Int>? {
        let close = i + width + 1
        guard close < b.count, b[i] == UInt8(ascii: "\""), b[close] == UInt8(ascii: "\"") else { return nil }
        i = close + 1
        return (close - width)..<close
    }

    /// A string in canonical form; returns the range between the quotes.
    private mutating func string() -> Range<Int>? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        let end = b.count
        while true {
            i = Self.firstSpecial(b, from: i)
            guard i < end else { return nil }
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return start..<(i - 1)
            }
            if c < 0x20 { return nil }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < end else { return nil }
                switch b[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                     UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    // Only control characters without a short escape are written as \u00xx.
                    guard i + 5 < end, b[i + 2] == 0x30, b[i + 3] == 0x30, (0x30...0x31).contains(b[i + 4]),
                          Self.isLowerHex(b[i + 5]) else { return nil }
                    let code = (b[i + 4] - 0x30) << 4 | Self.hexValue(b[i + 5])
                    if code == 0x08 || code == 0x09 || code == 0x0A || code == 0x0C || code == 0x0D { return nil }
                    i += 6
                default:
                    return nil
                }
                continue
            }
            // Non-ASCII: one well-formed UTF-8 sequence.
            guard let length = Self.utf8Sequence(b, at: i) else { return nil }
            i += length
        }
    }

    /// The index of the first byte at or after `from` that is a quote, a backslash, a control
    /// character or non-ASCII (`b.count` if none). Eight bytes per step (SWAR); the lowest
    /// flagged byte of a word is always a true match, since a false flag can only sit above one.
    @inline(__always)
    private static func firstSpecial(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var j = start
        let end = b.count
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while j + 8 <= end {
                let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                let q = x ^ (ones &* 0x22), bs = x ^ (ones &* 0x5C)
                let mask = ((x &- ones &* 0x20) & ~x | (q &- ones) & ~q | (bs &- ones) & ~bs | x) & highs
                if mask != 0 { return j + mask.trailingZeroBitCount >> 3 }
                j += 8
            }
        }
        while j < end {
            let c = b[j]
            if c &- 0x20 >= 0x60 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return j }
            j += 1
        }
        return end
    }

    /// The length of a well-formed UTF-8 sequence at `i` (no overlongs, surrogates or > U+10FFFF),
    /// nil also for I-JSON noncharacters (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF), as the parser refuses them.
    private static func utf8Sequence(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let c = b[i]
        func cont(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool { i + k < b.count && range.contains(b[i + k]) }
        let length: Int
        switch c {
        case 0xC2...0xDF: return cont(1) ? 2 : nil
        case 0xE0: guard cont(1, 0xA0...0xBF) && cont(2) else { return nil }; length = 3
        case 0xE1...0xEC, 0xEE...0xEF: guard cont(1) && cont(2) else { return nil }; length = 3
        case 0xED: guard cont(1, 0x80...0x9F) && cont(2) else { return nil }; length = 3
        case 0xF0: guard cont(1, 0x90...0xBF) && cont(2) && cont(3) else { return nil }; length = 4
        case 0xF1...0xF3: guard cont(1) && cont(2) && cont(3) else { return nil }; length = 4
        case 0xF4: guard cont(1, 0x80...0x8F) && cont(2) && cont(3) else { return nil }; length = 4
        default: return nil
        }
        var scalar = UInt32(c) & (length == 3 ? 0x0F : 0x07)
        for k in 1..<length { scalar = scalar << 6 | UInt32(b[i + k] & 0x3F) }
        let noncharacter = scalar >= 0xFDD0 && (scalar <= 0xFDEF || scalar & 0xFFFE == 0xFFFE)
        return noncharacter ? nil : length
    }

    /// Whether raw key `a` sorts strictly before `b` in UTF-16 code-unit order.
    private static func precedes(_ a: Range<Int>, _ b2: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let x = UnsafeBufferPointer(rebasing: b[a]), y = UnsafeBufferPointer(rebasing: b[b2])
        // Plain ASCII without escapes sorts the same by bytes as by UTF-16 code units.
        for k in 0..<min(x.count, y.count) {
            let p = x[k], q = y[k]
            if p >= 0x80 || q >= 0x80 || p == UInt8(ascii: "\\") || q == UInt8(ascii: "\\") { return slowPrecedes(x, y) }
            if p != q { return p < q }
        }
        return x.count < y.count
    }

    /// Rare: decode escapes and compare UTF-16 code units exactly as RFC 8785 sorts.
    private static func slowPrecedes(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        decodedKey(x).utf16.lexicographicallyPrecedes(decodedKey(y).utf16)
    }

    private static func decodedKey(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        var bytes: [UInt8] = []
        var k = 0
        while k < raw.count {
            if raw[k] == UInt8(ascii: "\\"), k + 1 < raw.count {
                switch raw[k + 1] {
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"): bytes.append((raw[k + 4] - 0x30) << 4 | hexValue(raw[k + 5])); k += 4
                default: bytes.append(raw[k + 1])
                }
                k += 2
            } else {
                bytes.append(raw[k])
                k += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isLowerHex(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x61...0x66).contains(c) }
    static func hexValue(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x61 + 10 }

    /// Which identifier alphabets a byte belongs to, one bit each (see `byteClasses`).
    enum ByteClass {
        static let alphanumeric: UInt8 = 1, streamCharacter: UInt8 = 2, token: UInt8 = 4, lowercase: UInt8 = 8,
                   uppercase: UInt8 = 16
    }

    /// For each byte value, 0x40 | its `ByteClass` bits: ASCII letters and digits are
    /// alphanumeric; stream names add `. : _ / @ + -`; tokens are printable ASCII without space,
    /// quote or backslash. A literal rather than a stored array, so reading it costs one load.
    private static var byteClasses: StaticString {
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@D@DDDDDDDDFDFFFGGGGGGGGGGFDDDDDFWWWWWWWWWWWWWWWWWWWWWWWWWWD@DDFDOOOOOOOOOOOOOOOOOOOOOOOOOODDDD@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
    }

    @inline(__always)
    private static func isIn(_ c: UInt8, _ mask: UInt8) -> Bool { byteClasses.utf8Start[Int(c)] & mask != 0 }

    static func isBusinessTime(_ r: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if r.count == 27 { return Timestamp.canonicalMicroseconds(UnsafeBufferPointer(rebasing: b[r])) != nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
        return BusinessTime.normalize(text) == text
    }
}
