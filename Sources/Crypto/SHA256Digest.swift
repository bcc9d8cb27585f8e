/// A SHA-256 digest: exactly 32 bytes, compared and hashed by value.
///
/// Held inline as four words rather than in an array: the append path makes three digests per
/// event and verification three per row, and a heap allocation each would cost more than the
/// hashing. `bytes` builds an array on demand; hot paths lend the bytes with `withUnsafeBytes`.
public struct SHA256Digest: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    /// The digest of nothing at all is not this: these are 32 zero bytes, the `prev` of event 1.
    public static let zero = SHA256Digest(words: (0, 0, 0, 0))

    /// The 32 bytes in order, as they lie in memory (not as integers).
    private var words: (UInt64, UInt64, UInt64, UInt64)

    private init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// The 32 bytes, copied into a new array.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lends the 32 bytes without copying them; the buffer is valid only inside `body`.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var words = self.words
        return try Swift.withUnsafeBytes(of: &words) { raw throws(E) in try body(raw) }
    }

    /// Wraps 32 bytes; refuses any other length.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidEncoding("a SHA-256 digest has 32 bytes, not \(bytes.count)")
        }
        self.init(words: (0, 0, 0, 0))
        Swift.withUnsafeMutableBytes(of: &words) { out in bytes.withUnsafeBytes { out.copyMemory(from: $0) } }
    }

    /// Copies 32 bytes from a borrowed buffer (a database column, say); refuses any other length.
    public init(bytes raw: UnsafeRawBufferPointer) throws(CryptoError) {
        guard raw.count == Self.byteCount else {
            throw .invalidEncoding("a SHA-256 digest has 32 bytes, not \(raw.count)")
        }
        self.init(words: (0, 0, 0, 0))
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: raw) }
    }

    /// Fills the 32 bytes with `fill`, which must write all of them (a digest finalisation).
    init(filling fill: (UnsafeMutableRawBufferPointer) -> Void) {
        self.init(words: (0, 0, 0, 0))
        Swift.withUnsafeMutableBytes(of: &words, fill)
    }

    /// Parses 64 lowercase or uppercase hex digits.
    public init(hex: String) throws(CryptoError) {
        guard let bytes = Hex.decode(hex), bytes.count == Self.byteCount else {
            throw .invalidEncoding("a SHA-256 digest is 64 hex digits; got \(hex.utf8.count) characters")
        }
        try self.init(bytes: bytes)
    }

    /// Parses exactly 64 lowercase hex digits from a borrowed buffer, as the ledger format spells
    /// every hash; nil on anything else. Allocates nothing.
    ///
    /// Verification reads every row's `prev` this way, so eight digits are checked and decoded
    /// per step (SWAR) rather than one by one; `SHA256Tests` holds it to the byte-wise reference
    /// (`Hex.decode` with a lowercase check) on every byte value in every position.
    public init?(lowercaseHex hex: UnsafeRawBufferPointer) {
        guard hex.count == 2 * Self.byteCount, let base = hex.baseAddress else { return nil }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var failed: UInt64 = 0
        self.init { out in
            for k in 0..<8 {
                let x = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))
                // For bytes below 0x80, adding 0x80 − c sets a byte's high bit exactly when it is at
                // least c, and no byte carries into the next: each range test is one addition.
                let digit = (x &+ ones &* (0x80 - 0x30)) & ~(x &+ ones &* (0x80 - 0x3A))
                let letter = (x &+ ones &* (0x80 - 0x61)) & ~(x &+ ones &* (0x80 - 0x67))
                failed |= x & highs | ~(digit | letter) & highs
                // A digit's value is its low nibble; a letter's (bit 6 set) is its low nibble + 9.
                let nibbles = (x & (ones &* 0x0F)) &+ ((x >> 6) & ones) &* 9
                // Byte pairs (high digit first in memory) become one byte in each 16-bit lane …
                var v = (nibbles & 0x00FF_00FF_00FF_00FF) << 4 | (nibbles >> 8) & 0x00FF_00FF_00FF_00FF
                // … and the four lanes' bytes are packed together in order.
                v = (v | v >> 8) & 0x0000_FFFF_0000_FFFF
                v = (v | v >> 16) & 0xFFFF_FFFF
                out.storeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian, toByteOffset: 4 * k, as: UInt32.self)
            }
        }
        guard failed == 0 else { return nil }
    }

    /// Writes the 64 lowercase hex digits into `out` (which must hold at least 64 bytes).
    public func writeHex(into out: UnsafeMutableRawBufferPointer) {
        withUnsafeBytes { raw in
            for k in 0..<Self.byteCount {
                out[2 * k] = Hex.digit(raw[k] >> 4)
                out[2 * k + 1] = Hex.digit(raw[k] & 0x0f)
            }
        }
    }

    public static func == (a: SHA256Digest, b: SHA256Digest) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// 64 lowercase hex digits.
    public var hex: String {
        String(unsafeUninitializedCapacity: 2 * Self.byteCount) { buffer in
            writeHex(into: UnsafeMutableRawBufferPointer(buffer))
            return 2 * Self.byteCount
        }
    }
    public var description: String { hex }
}

/// Lowercase hexadecimal, the spelling of every hash in the ledger format.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes an even number of hex digits (either case); nil on anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = value(utf8[i]), let lo = value(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// The hex digit for a value below 16.
    static func digit(_ value: UInt8) -> UInt8 { value < 10 ? 0x30 &+ value : 0x57 &+ value }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
