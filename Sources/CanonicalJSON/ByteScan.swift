/// Word-at-a-time search for the bytes that end a run of plain string content.
///
/// Both the parser and the writer spend most of their time walking string contents looking for
/// `"`, `\`, control characters (and, when parsing, non-ASCII bytes that need UTF-8 validation).
/// Testing eight bytes per step with the classic "has zero byte" bit trick is several times faster
/// than a byte loop. The lowest flagged byte of each test is always a true match (false flags can
/// only appear above a true one), so the first match is found exactly.
enum ByteScan {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first byte in `bytes[start ..< end]` that is below 0x20, `"` or `\`, or
    /// (if `stopAtNonASCII`) at least 0x80; `end` if there is none.
    @inline(__always)
    static func firstSpecial(
        in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, stopAtNonASCII: Bool
    ) -> Int {
        var index = start
        guard let base = bytes.baseAddress else { return end }
        let raw = UnsafeRawPointer(base)
        while index + 8 <= end {
            let mask = specialMask(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self), stopAtNonASCII)
            if mask != 0 {
                return index + mask.trailingZeroBitCount / 8
            }
            index += 8
        }
        if index < end, end >= 8 {
            // Fewer than 8 bytes left: test the last 8 bytes of the range instead, with the
            // bytes already passed (which may include specials, e.g. an escape just written)
            // replaced by a harmless 'A' so they neither match nor disturb the bytes above.
            let windowStart = end - 8
            let passedBits = UInt64(index - windowStart) * 8
            let keep = UInt64.max << passedBits
            var word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: windowStart, as: UInt64.self))
            word = (word & keep) | (ones &* 0x41 & ~keep)
            let mask = specialMask(word.littleEndian, stopAtNonASCII)
            return mask != 0 ? windowStart + mask.trailingZeroBitCount / 8 : end
        }
        while index < end {
            let byte = base[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (stopAtNonASCII && byte >= 0x80) {
                return index
            }
            index += 1
        }
        return end
    }

    /// The high bit of every byte of `rawWord` (as loaded from memory) that is special, and
    /// possibly of bytes above a special one.
    @inline(__always)
    static func specialMask(_ rawWord: UInt64, _ stopAtNonASCII: Bool) -> UInt64 {
        let word = UInt64(littleEndian: rawWord)
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        var mask = (word &- ones &* 0x20) & ~word
        mask |= (quotes &- ones) & ~quotes
        mask |= (backslashes &- ones) & ~backslashes
        if stopAtNonASCII { mask |= word }
        return mask & highBits
    }
}
