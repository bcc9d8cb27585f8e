/// RFC 8785 (JCS) serialization: the bytes the ledger hashes.
///
/// Guarantees: no whitespace; object members in UTF-16 key order (kept by ``JSONObject``);
/// strings escape only `"` `\` and U+0000–U+001F (as `\b \f \n \r \t` or `\u00xx` with
/// lowercase hex), everything else is literal UTF-8, including `/`, U+007F and U+2028/U+2029;
/// integers in plain decimal; other numbers as ECMAScript `Number.prototype.toString` writes
/// them (see ``ECMAScriptNumber``). Canonicalization is idempotent: canonical bytes parse back to
/// a value with the same canonical bytes. (That value is equal to the original except where a
/// ``JSONValue/number(_:)`` holds a safe integer, such as `1.0`, which reads back as
/// ``JSONValue/integer(_:)``.)
public extension JSONValue {
    /// The RFC 8785 canonical UTF-8 bytes of this value.
    ///
    /// - Precondition: every ``number(_:)`` is finite. RFC 8785 requires NaN and Infinity to stop
    ///   serialization with an error; the parser never produces them, so only code that builds
    ///   such a value by hand can hit this. Check with ``firstNonIntegerNumber()`` first when in doubt.
    var canonicalBytes: [UInt8] {
        CanonicalWriter.withOutput(of: self, describing: false) { $0.array }
    }

    /// The RFC 8785 canonical text of this value (same preconditions as ``canonicalBytes``).
    var canonicalString: String {
        CanonicalWriter.withOutput(of: self, describing: false) { String(decoding: $0.bytes, as: UTF8.self) }
    }

    /// Appends the RFC 8785 canonical bytes of this value to `buffer`, growing it at most once and
    /// allocating nothing else for outputs up to a kilobyte (same preconditions as
    /// ``canonicalBytes``). Reuse one buffer across calls to avoid allocation altogether.
    func writeCanonical(into buffer: inout [UInt8]) {
        CanonicalWriter.withOutput(of: self, describing: false) { buffer.append(contentsOf: $0.bytes) }
    }
}

enum CanonicalWriter {
    /// Serializes `value` into a temporary sink and hands it to `body`.
    static func withOutput<Result>(
        of value: JSONValue, describing: Bool, _ body: (borrowing ByteSink) -> Result
    ) -> Result {
        ByteSink.withTemporary { sink in
            write(value, into: &sink, describing: describing)
            return body(sink)
        }
    }

    /// Appends the canonical bytes of `value`. With `describing`, non-finite numbers are written
    /// as ECMAScript spells them (`NaN`, `Infinity`) instead of trapping: for `description` only,
    /// never for bytes that get hashed.
    static func write(_ value: borrowing JSONValue, into out: inout ByteSink, describing: Bool) {
        switch value {
        case .null:
            out.append("null")
        case .bool(let flag):
            out.append(flag ? "true" : "false")
        case .integer(let integer):
            if JSONValue.safeIntegerRange.contains(integer) {
                ECMAScriptNumber.writeInteger(integer, into: &out)
            } else {
                ECMAScriptNumber.write(Double(integer), into: &out, describing: describing)
            }
        case .number(let number):
            ECMAScriptNumber.write(number, into: &out, describing: describing)
        case .string(let string):
            writeString(string, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            elements.withUnsafeBufferPointer { elements in
                for index in elements.indices {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    write(elements[index], into: &out, describing: describing)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            write(object, into: &out, describing: describing)
        }
    }

    /// Appends the canonical bytes of `object`: members in the order ``JSONObject`` keeps them.
    static func write(_ object: borrowing JSONObject, into out: inout ByteSink, describing: Bool) {
        out.append(UInt8(ascii: "{"))
        object.members.withUnsafeBufferPointer { members in
            for index in members.indices {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(members[index].key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[index].value, into: &out, describing: describing)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Writes `string` as a JSON string literal, escaping per RFC 8785 §3.2.2.2.
    ///
    /// Most strings need no escaping at all, so they are first tested eight bytes at a time and
    /// copied whole (short ones with word stores rather than a `memcpy` call); only strings with
    /// something to escape take the run-by-run path.
    static func writeString(_ string: borrowing String, into out: inout ByteSink) {
        StringBytes.withUTF8(string) { bytes in
            let count = bytes.count
            // Quotes, every byte unescaped, and slack for word-sized stores.
            out.reserve(count + 10)
            if count < 8 {
                // Gather the bytes into one word, padded with harmless 'A's, and test it at once.
                var word: UInt64 = 0
                var index = count
                while index > 0 {
                    index -= 1
                    word = word << 8 | UInt64(bytes[index])
                }
                word |= (ByteScan.ones &* 0x41) << UInt64(count * 8)
                if ByteScan.specialMask(word.littleEndian, false) == 0 {
                    out.appendReserved(UInt8(ascii: "\""))
                    out.appendReserved(word: word.littleEndian, length: count)
                    out.appendReserved(UInt8(ascii: "\""))
                    return
                }
            } else if ByteScan.firstSpecial(in: bytes, from: 0, to: count, stopAtNonASCII: false) == count {
                out.appendReserved(UInt8(ascii: "\""))
                if count <= 16 {
                    out.appendReserved(short: bytes)
                } else {
                    out.appendReserved(bytes)
                }
                out.appendReserved(UInt8(ascii: "\""))
                return
            }
            writeEscaping(bytes, into: &out)
        }
    }

    /// The general path of ``writeString(_:into:)``: copies runs of plain bytes and escapes the
    /// rest. Room for the quotes and the unescaped bytes is reserved; each escape reserves its extra.
    private static func writeEscaping(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout ByteSink) {
        let count = bytes.count
        out.appendReserved(UInt8(ascii: "\""))
        var runStart = 0
        while true {
            let index = ByteScan.firstSpecial(in: bytes, from: runStart, to: count, stopAtNonASCII: false)
            out.appendReserved(UnsafeBufferPointer(rebasing: bytes[runStart ..< index]))
            if index == count { break }
            out.reserve(6 + count - index)
            appendEscape(for: bytes[index], to: &out)
            runStart = index + 1
        }
        out.appendReserved(UInt8(ascii: "\""))
    }

    /// Writes the escape for `byte` (at most 6 bytes, already reserved).
    private static func appendEscape(for byte: UInt8, to out: inout ByteSink) {
        out.appendReserved(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): out.appendReserved(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.appendReserved(UInt8(ascii: "\\"))
        case 0x08: out.appendReserved(UInt8(ascii: "b"))
        case 0x09: out.appendReserved(UInt8(ascii: "t"))
        case 0x0A: out.appendReserved(UInt8(ascii: "n"))
        case 0x0C: out.appendReserved(UInt8(ascii: "f"))
        case 0x0D: out.appendReserved(UInt8(ascii: "r"))
        default:
            let hex: StaticString = "0123456789abcdef"
            out.appendReserved(UInt8(ascii: "u"))
            out.appendReserved(UInt8(ascii: "0"))
            out.appendReserved(UInt8(ascii: "0"))
            out.appendReserved(hex.utf8Start[Int(byte >> 4)])
            out.appendReserved(hex.utf8Start[Int(byte & 0x0F)])
        }
    }

    /// `string` as a canonical JSON string literal, for quoting keys in error messages.
    static func quoted(_ string: String) -> String {
        ByteSink.withTemporary { sink in
            writeString(string, into: &sink)
            return String(decoding: sink.bytes, as: UTF8.self)
        }
    }
}
