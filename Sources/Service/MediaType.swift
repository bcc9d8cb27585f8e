/// The media type of a request body, as the routes that take JSON check it.
enum MediaType {
    /// Whether a `Content-Type` value names `application/json`: the type before any `;`
    /// parameters, without the spaces and tabs HTTP allows around it, compared case-insensitively
    /// (RFC 9110 §8.3.1). Works on the bytes: this runs on every append, and Foundation's
    /// trimming bridges the string to `NSString`.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let expected = "application/json".utf8
        var bytes = contentType.utf8[...]
        if let semicolon = bytes.firstIndex(of: UInt8(ascii: ";")) { bytes = bytes[..<semicolon] }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = bytes.first, isBlank(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isBlank(last) { bytes = bytes.dropLast() }
        guard bytes.count == expected.count else { return false }
        return zip(bytes, expected).allSatisfy { have, want in
            // ASCII case folding only: a byte ≥ 0x80 never equals an ASCII letter.
            (have >= UInt8(ascii: "A") && have <= UInt8(ascii: "Z") ? have | 0x20 : have) == want
        }
    }
}
