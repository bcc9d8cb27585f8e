/// Byte-level helpers for `String`s as JSON sees them.
///
/// JSON strings are sequences of Unicode scalars: `"Å"` (U+00C5) and `"A\u030A"` are different
/// keys and canonicalize to different bytes, whereas Swift's `String ==` treats them as equal
/// (canonical equivalence). Everything in this module that compares or hashes strings goes
/// through these helpers so that equality means "same scalars", i.e. same UTF-8 bytes.
enum StringBytes {
    /// Runs `body` on the UTF-8 bytes of `string` without copying native strings.
    @inline(__always)
    static func withUTF8<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) {
            return result
        }
        var copy = string
        return copy.withUTF8(body)
    }

    /// Whether the two strings consist of the same Unicode scalars.
    @inline(__always)
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && UTF16Order.compare(lhs, rhs) == 0
    }

    /// Feeds the UTF-8 bytes of `string` (and its length, so that concatenations differ) to `hasher`.
    @inline(__always)
    static func hash(_ string: String, into hasher: inout Hasher) {
        withUTF8(string) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(string.utf8.count)
    }
}

/// The member order of RFC 8785 §3.2.3: keys compared as arrays of UTF-16 code units.
///
/// The comparison runs on UTF-8 bytes. UTF-8 byte order equals code point order, which equals
/// UTF-16 order except in one place: code points U+E000–U+FFFF (UTF-8 lead bytes 0xEE–0xEF) sort
/// *after* supplementary code points (lead bytes 0xF0–0xF4) in UTF-16, because the latter are
/// encoded with surrogates 0xD800–0xDFFF. Both strings share every byte before the first
/// difference, so that difference is either between two lead bytes at the same code point
/// boundary (where the swap above is applied) or between continuation bytes of code points with
/// the same lead byte (where byte order is already right).
enum UTF16Order {
    /// Negative, zero or positive as `lhs` sorts before, equal to, or after `rhs`.
    @inline(__always)
    static func compare(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(lhs.count, rhs.count)
        var index = 0
        while index < common {
            let left = lhs[index]
            let right = rhs[index]
            if left != right {
                if left >= 0xEE, right >= 0xEE, (left >= 0xF0) != (right >= 0xF0) {
                    return left >= 0xF0 ? -1 : 1
                }
                return left < right ? -1 : 1
            }
            index += 1
        }
        return lhs.count - rhs.count
    }

    /// Negative, zero or positive as `lhs` sorts before, equal to, or after `rhs`.
    @inline(__always)
    static func compare(_ lhs: String, _ rhs: String) -> Int {
        StringBytes.withUTF8(lhs) { left in
            StringBytes.withUTF8(rhs) { right in compare(left, right) }
        }
    }

    /// The first eight bytes of a key, zero-padded, as a big-endian integer whose order agrees with
    /// the byte comparison whenever two keys' prefixes differ; equal prefixes need the full comparison.
    ///
    /// Lead bytes from 0xEE up are remapped so that plain integer order puts supplementary code
    /// points (0xF0–0xF4 → 0xEE–0xF2) before U+E000–U+FFFF (0xEE–0xEF → 0xFE–0xFF). Only lead
    /// bytes can be that large, and the first difference between two keys is either between two
    /// lead bytes or between continuation bytes, so the remapping never changes any other outcome.
    ///
    /// `readableBytes` says how many bytes from the start of `bytes` may be read (at least
    /// `bytes.count`); when it is 8 or more, a short key is read with one load and masked.
    @inline(__always)
    static func sortPrefix(_ bytes: UnsafeBufferPointer<UInt8>, readableBytes: Int = 0) -> UInt64 {
        var prefix: UInt64 = 0
        if bytes.count >= 8 || readableBytes >= 8, let base = bytes.baseAddress {
            prefix = UInt64(bigEndian: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self))
            if bytes.count < 8 {
                prefix = bytes.count == 0 ? 0 : prefix & (UInt64.max << UInt64((8 - bytes.count) * 8))
            }
        } else {
            for index in 0 ..< 8 {
                prefix = prefix << 8 | UInt64(index < bytes.count ? bytes[index] : 0)
            }
        }
        if prefix & 0x8080_8080_8080_8080 != 0 {
            prefix = remapHighLeadBytes(prefix)
        }
        return prefix
    }

    @inline(never)
    private static func remapHighLeadBytes(_ prefix: UInt64) -> UInt64 {
        var remapped: UInt64 = 0
        for shift in stride(from: 56, through: 0, by: -8) {
            var byte = UInt8(truncatingIfNeeded: prefix >> UInt64(shift))
            if byte >= 0xF0 {
                byte -= 2
            } else if byte >= 0xEE {
                byte += 0x10
            }
            remapped = remapped << 8 | UInt64(byte)
        }
        return remapped
    }

    /// Whether `lhs` sorts strictly before `rhs`.
    @inline(__always)
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        compare(lhs, rhs) < 0
    }
}
