public extension JSONValue {
    /// Parses one strict JSON text from UTF-8 bytes.
    ///
    /// Accepted is exactly RFC 8259 JSON restricted by I-JSON (RFC 7493): one value with optional
    /// space, tab, LF or CR around it; no byte order mark, comments, trailing commas, leading
    /// zeros, NaN or Infinity; strings without raw control characters, with only the RFC 8259
    /// escapes, surrogate escapes in valid pairs, and no noncharacters; input that is valid UTF-8
    /// (no overlong forms, encoded surrogates or code points above U+10FFFF); unique object keys
    /// (compared by Unicode scalars); numbers within double range; and the given `limits`.
    /// Integers within ±(2^53 − 1) without fraction or exponent become ``integer(_:)``.
    ///
    /// `[UInt8]`, `ArraySlice<UInt8>`, `Data`, `String.UTF8View` and other contiguous collections
    /// are read in place; anything else is copied first.
    ///
    /// - Throws: ``JSONError`` with the byte offset, line, column and reason of the first problem.
    static func parse<Bytes: Collection>(
        _ bytes: Bytes, limits: JSONLimits = .default
    ) throws(JSONError) -> JSONValue where Bytes.Element == UInt8 {
        let result = bytes.withContiguousStorageIfAvailable { JSONParser.parse($0, limits: limits) }
            ?? Array(bytes).withUnsafeBufferPointer { JSONParser.parse($0, limits: limits) }
        return try result.get()
    }

    /// Parses one strict JSON text (see the byte-oriented overload for the rules).
    static func parse(_ text: String, limits: JSONLimits = .default) throws(JSONError) -> JSONValue {
        var text = text
        return try text.withUTF8 { JSONParser.parse($0, limits: limits) }.get()
    }
}
