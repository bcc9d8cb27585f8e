import Foundation

/// An instant with microsecond precision, spelled in the ledger as RFC 3339 UTC with exactly six
/// fractional digits (`2026-03-01T08:15:00.000000Z`). One spelling per instant, so the bytes that
/// are hashed never depend on how a clock or a client happened to format time.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public let microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// The system clock now (UTC), truncated to microseconds.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microsecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microsecondsSinceEpoch < b.microsecondsSinceEpoch }

    /// The canonical spelling: `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    public var rfc3339: String {
        let micros = microsecondsSinceEpoch
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (y, m, d) = CivilDate.fromDaysSinceEpoch(days)
        return String(unsafeUninitializedCapacity: 27) { out in
            func put(_ value: Int64, _ width: Int, at offset: Int) {
                var v = value
                for k in stride(from: offset + width - 1, through: offset, by: -1) {
                    out[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                    v /= 10
                }
            }
            put(y, 4, at: 0); out[4] = 0x2D; put(m, 2, at: 5); out[7] = 0x2D; put(d, 2, at: 8)
            out[10] = 0x54; put(secondOfDay / 3600, 2, at: 11); out[13] = 0x3A; put(secondOfDay / 60 % 60, 2, at: 14)
            out[16] = 0x3A; put(secondOfDay % 60, 2, at: 17); out[19] = 0x2E; put(fraction, 6, at: 20); out[26] = 0x5A
            return 27
        }
    }

    public var description: String { rfc3339 }

    /// Parses the canonical spelling only (what the ledger stores): nil for anything else.
    public init?(canonical text: String) {
        var text = text
        guard text.withUTF8({ Timestamp.isCanonical($0) }), let parsed = Timestamp.parse(text) else { return nil }
        self = parsed
    }

    /// Reads the canonical spelling straight from bytes (verification does this for every event).
    init?(canonicalBytes utf8: UnsafeBufferPointer<UInt8>) {
        guard let micros = Timestamp.canonicalMicroseconds(utf8) else { return nil }
        self.init(microsecondsSinceEpoch: micros)
    }

    /// The instant the canonical spelling in `utf8` names, in microseconds since the epoch, or nil
    /// when the bytes are not exactly that spelling of a real instant (the same verdict as
    /// `isCanonical`, which a test holds it to byte by byte).
    ///
    /// Verification checks and reads every event's `recordedAt`: this does both in one pass over
    /// the 27 bytes, with no generic indexing, no optionals per digit and no separator table.
    static func canonicalMicroseconds(_ utf8: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard utf8.count == 27, let p = utf8.baseAddress else { return nil }
        guard p[4] == 0x2D, p[7] == 0x2D, p[10] == 0x54, p[13] == 0x3A, p[16] == 0x3A, p[19] == 0x2E, p[26] == 0x5A else {
            return nil
        }
        // A byte is a digit when its value less 0x30 (wrapping) is below 10; `bad` collects misses.
        var bad = false
        @inline(__always) func number(_ k: Int, _ width: Int) -> Int64 {
            var v: Int64 = 0
            for j in k..<(k + width) {
                let d = p[j] &- 0x30
                bad = bad || d > 9
                v = v &* 10 &+ Int64(d)
            }
            return v
        }
        let year = number(0, 4), month = number(5, 2), day = number(8, 2)
        let hour = number(11, 2), minute = number(14, 2), second = number(17, 2), fraction = number(20, 6)
        guard !bad, CivilDate.isValid(year: year, month: month, day: day), hour < 24, minute < 60, second < 60 else {
            return nil
        }
        let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        return (days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000 + fraction
    }

    /// Whether `utf8` is exactly `YYYY-MM-DDTHH:MM:SS.ffffffZ` naming a real instant: the one
    /// spelling `rfc3339` produces. Checked byte by byte, without allocating.
    public static func isCanonical<Bytes: Collection>(_ utf8: Bytes) -> Bool where Bytes.Element == UInt8, Bytes.Index == Int {
        guard utf8.count == 27 else { return false }
        let base = utf8.startIndex
        func digit(_ k: Int) -> Int64? {
            let c = utf8[base + k]
            return (0x30...0x39).contains(c) ? Int64(c - 0x30) : nil
        }
        func number(_ k: Int, _ width: Int) -> Int64? {
            var v: Int64 = 0
            for j in k..<(k + width) {
                guard let d = digit(j) else { return nil }
                v = v * 10 + d
            }
            return v
        }
        let separators: [(Int, UInt8)] = [(4, 0x2D), (7, 0x2D), (10, 0x54), (13, 0x3A), (16, 0x3A), (19, 0x2E), (26, 0x5A)]
        for (k, c) in separators where utf8[base + k] != c { return false }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
              let minute = number(14, 2), let second = number(17, 2), number(20, 6) != nil else { return false }
        return CivilDate.isValid(year: year, month: month, day: day) && hour < 24 && minute < 60 && second < 60
    }

    /// Parses RFC 3339 date-times as clients send them: `T` separator, seconds required, 0–6
    /// fractional digits, and `Z` or a numeric offset. Returns nil for anything else, including
    /// impossible dates (February 30th) and leap seconds, which the ledger cannot represent.
    public static func parse(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        guard let year = digits(b, 0, 4), b[4] == UInt8(ascii: "-"),
              let month = digits(b, 5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(b, 8, 2), b[10] == UInt8(ascii: "T"),
              let hour = digits(b, 11, 2), b[13] == UInt8(ascii: ":"),
              let minute = digits(b, 14, 2), b[16] == UInt8(ascii: ":"),
              let second = digits(b, 17, 2)
        else { return nil }
        guard CivilDate.isValid(year: year, month: month, day: day), hour < 24, minute < 60, second < 60 else {
            return nil
        }
        var i = 19
        var fraction: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                guard count < 6 else { return nil }
                fraction = fraction * 10 + Int64(b[i] - 0x30)
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<6 { fraction *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard b.count == i + 6, let oh = digits(b, i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
                  let om = digits(b, i + 4, 2), oh < 24, om < 60 else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Timestamp(microsecondsSinceEpoch: seconds * 1_000_000 + fraction)
    }

    private static func digits(_ b: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        var value: Int64 = 0
        for i in start..<(start + count) {
            guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
            value = value * 10 + Int64(b[i] - 0x30)
        }
        return value
    }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's days-from-civil), free of
/// Foundation's calendars and time zones so the result never depends on the machine's settings.
public enum CivilDate {
    public static func isValid(year: Int64, month: Int64, day: Int64) -> Bool {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
        return day <= daysInMonth(year: year, month: month)
    }

    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func fromDaysSinceEpoch(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
