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
        var scanner = Cursor(buffer)
        return scanner.envelope()
    }
}

private let maximumDepth = 64

/// Top-level member names in canonical order, with what each must hold.
private enum Member: Int, CaseIterable {
    case actor, causationId, correlationId, idempotencyKey, occurredAt, payload, prev, recordedAt, schemaVersion, seq,
         stream, streamVersion, type

    static let names: [[UInt8]] = Member.allCases.map { Array(String(describing: $0).utf8) }
    static let required: Set<Member> = [.actor, .payload, .prev, .recordedAt, .schemaVersion, .seq, .stream, .streamVersion, .type]
}

private struct Cursor {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) { b = buffer }

    mutating func envelope() -> EnvelopeScanner.Header? {
        var header = EnvelopeScanner.Header()
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var seen = 0 as UInt16
        var previousMember = -1
        var insertion: Int?
        while true {
            let keyStart = i + 1
            guard let key = string(), i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            guard let member = Self.member(key, in: b) , member.rawValue > previousMember else { return nil }
            previousMember = member.rawValue
            seen |= 1 << member.rawValue
            if insertion == nil, member.rawValue >= Member.idempotencyKey.rawValue { insertion = keyStart - 1 }
            switch member {
            case .seq, .streamVersion, .schemaVersion:
                guard let value = integer(), value >= 1 else { return nil }
                if member == .seq { header.seq = value } else if member == .streamVersion { header.streamVersion = value }
            case .stream:
                guard let r = string(), Self.isStream(r, b) else { return nil }
                header.stream = r
            case .type:
                guard let r = string(), Self.isEventType(r, b) else { return nil }
                header.type = r
            case .idempotencyKey, .correlationId, .causationId:
                guard let r = string(), Self.isToken(r, b) else { return nil }
                if member == .idempotencyKey { header.idempotencyKey = r }
            case .recordedAt:
                guard let r = string(), Self.isCanonicalTimestamp(r, b) else { return nil }
                header.recordedAt = r
            case .occurredAt:
                guard let r = string(), Self.isBusinessTime(r, b) else { return nil }
            case .prev:
                guard let r = string(), r.count == 64, r.allSatisfy({ Self.isLowerHex(b[$0]) }) else { return nil }
                header.prev = r
            case .actor:
                guard actor() else { return nil }
            case .payload:
                guard i < b.count, b[i] == UInt8(ascii: "{"), value(depth: 1) else { return nil }
            }
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "}") else { return nil }
            i += 1
            break
        }
        guard i == b.count else { return nil }
        for m in Member.required where seen & (1 << m.rawValue) == 0 { return nil }
        header.hashInsertionPoint = insertion ?? (b.count - 1)
        return header
    }

    /// The member named by `key`: picked by length and first letters, then compared in full.
    private static func member(_ key: Range<Int>, in b: UnsafeBufferPointer<UInt8>) -> Member? {
        guard key.count >= 3 else { return nil }
        let candidate: Member
        switch (key.count, b[key.lowerBound]) {
        case (5, UInt8(ascii: "a")): candidate = .actor
        case (11, UInt8(ascii: "c")): candidate = .causationId
        case (13, UInt8(ascii: "c")): candidate = .correlationId
        case (14, UInt8(ascii: "i")): candidate = .idempotencyKey
        case (10, UInt8(ascii: "o")): candidate = .occurredAt
        case (7, UInt8(ascii: "p")): candidate = .payload
        case (4, UInt8(ascii: "p")): candidate = .prev
        case (10, UInt8(ascii: "r")): candidate = .recordedAt
        case (13, UInt8(ascii: "s")): candidate = b[key.lowerBound + 1] == UInt8(ascii: "c") ? .schemaVersion : .streamVersion
        case (3, UInt8(ascii: "s")): candidate = .seq
        case (6, UInt8(ascii: "s")): candidate = .stream
        case (4, UInt8(ascii: "t")): candidate = .type
        default: return nil
        }
        return equals(Member.names[candidate.rawValue], key, b) ? candidate : nil
    }

    /// Byte equality of a known name and a key, without generic collection machinery.
    private static func equals(_ name: [UInt8], _ key: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count == key.count else { return false }
        return name.withUnsafeBufferPointer { n in
            for k in 0..<n.count where n[k] != b[key.lowerBound + k] { return false }
            return true
        }
    }

    private static let actorMembers: [[UInt8]] = [Array("id".utf8), Array("role".utf8), Array("unit".utf8)]

    /// `{"id":…,"role":…,"unit":…}` with `id` required, in that order.
    private mutating func actor() -> Bool {
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return false }
        i += 1
        let names = Self.actorMembers
        var next = 0
        var sawID = false
        while true {
            guard let key = string(), i < b.count, b[i] == UInt8(ascii: ":") else { return false }
            i += 1
            guard let index = (next..<3).first(where: { Self.equals(names[$0], key, b) }) else { return false }
            next = index + 1
            guard let value = string() else { return false }
            switch index {
            case 0: guard Self.isToken(value, b) else { return false }; sawID = true
            case 1: guard (1...50).contains(value.count), value.allSatisfy({ (0x61...0x7A).contains(b[$0]) }) else { return false }
            default: guard Self.isToken(value, b) else { return false }
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

    /// A string in canonical form; returns the range between the quotes.
    private mutating func string() -> Range<Int>? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        while i < b.count {
            // Most bytes are printable ASCII that needs no escape: one range test and two compares,
            // on locals the optimiser keeps in registers.
            var j = i
            let end = b.count
            // Eight bytes at a time (SWAR) while none of them is a quote, a backslash, a control
            // character or non-ASCII; the byte loop below handles the rest exactly.
            if let base = b.baseAddress {
                let raw = UnsafeRawPointer(base)
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                while j + 8 <= end {
                    let x = raw.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                    if x & highs != 0 { break }
                    let control = (x &- ones &* 0x20) & ~x & highs
                    let q = x ^ (ones &* 0x22), bs = x ^ (ones &* 0x5C)
                    let quote = (q &- ones) & ~q & highs, backslash = (bs &- ones) & ~bs & highs
                    if control | quote | backslash != 0 { break }
                    j += 8
                }
            }
            guard j < end else { return nil }
            var c = b[j]
            while c &- 0x20 < 0x60, c != UInt8(ascii: "\""), c != UInt8(ascii: "\\") {
                j += 1
                guard j < end else { return nil }
                c = b[j]
            }
            i = j
            if c == UInt8(ascii: "\"") {
                defer { i += 1 }
                return start..<i
            }
            if c < 0x20 { return nil }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < b.count else { return nil }
                switch b[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                     UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    // Only control characters without a short escape are written as \u00xx.
                    guard i + 5 < b.count, b[i + 2] == 0x30, b[i + 3] == 0x30, (0x30...0x31).contains(b[i + 4]),
                          Self.isLowerHex(b[i + 5]) else { return nil }
                    let code = (b[i + 4] - 0x30) << 4 | Self.hexValue(b[i + 5])
                    if [0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(code) { return nil }
                    i += 6
                default:
                    return nil
                }
                continue
            }
            if c < 0x80 { i += 1; continue }
            guard let length = Self.utf8Sequence(b, at: i) else { return nil }
            i += length
        }
        return nil
    }

    /// The length of a well-formed UTF-8 sequence at `i` (no overlongs, surrogates or > U+10FFFF).
    private static func utf8Sequence(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let c = b[i]
        func cont(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool { i + k < b.count && range.contains(b[i + k]) }
        switch c {
        case 0xC2...0xDF: return cont(1) ? 2 : nil
        case 0xE0: return cont(1, 0xA0...0xBF) && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : nil
        case 0xED: return cont(1, 0x80...0x9F) && cont(2) ? 3 : nil
        case 0xF0: return cont(1, 0x90...0xBF) && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4: return cont(1, 0x80...0x8F) && cont(2) && cont(3) ? 4 : nil
        default: return nil
        }
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

    private static func isAlnum(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
    }

    static func isStream(_ r: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        (1...256).contains(r.count) && isAlnum(b[r.lowerBound]) && r.allSatisfy { j in
            let c = b[j]
            return isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: ":") || c == UInt8(ascii: "_")
                || c == UInt8(ascii: "/") || c == UInt8(ascii: "@") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
        }
    }

    static func isEventType(_ r: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        (1...100).contains(r.count) && (0x41...0x5A).contains(b[r.lowerBound]) && r.allSatisfy { isAlnum(b[$0]) }
    }

    /// Printable ASCII without space, quote or backslash (so never escaped).
    static func isToken(_ r: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        (1...200).contains(r.count) && r.allSatisfy { j in
            let c = b[j]
            return (0x21...0x7E).contains(c) && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\")
        }
    }

    static func isCanonicalTimestamp(_ r: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        Timestamp.isCanonical(UnsafeBufferPointer(rebasing: b[r]))
    }

    static func isBusinessTime(_ r: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if r.count == 27 { return Timestamp.isCanonical(UnsafeBufferPointer(rebasing: b[r])) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
        return BusinessTime.normalize(text) == text
    }
}
