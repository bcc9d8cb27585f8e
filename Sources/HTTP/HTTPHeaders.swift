/// One header field line as received or to be sent.
public struct HTTPField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Header fields in the order they appeared; names compare case-insensitively (ASCII), as
/// RFC 9110 requires. Repeated names are kept as separate fields, never merged, so a caller can
/// tell a duplicate from a single value.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [HTTPField]

    public init() { fields = [] }

    public init(_ fields: [HTTPField]) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { HTTPField(name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[HTTPField]> { fields.makeIterator() }

    /// The value of the first field with this name, or nil.
    public subscript(name: String) -> String? {
        fields.first { Self.namesMatch($0.name, name) }?.value
    }

    /// Every value of fields with this name, in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.namesMatch($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { Self.namesMatch($0.name, name) }
    }

    /// Adds a field, keeping any existing one with the same name.
    public mutating func add(name: String, value: String) {
        fields.append(HTTPField(name: name, value: value))
    }

    /// Replaces every field with this name by one field.
    public mutating func set(name: String, value: String) {
        remove(name)
        fields.append(HTTPField(name: name, value: value))
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.namesMatch($0.name, name) }
    }

    /// ASCII case-insensitive comparison; field names are tokens, so ASCII is all there is.
    static func namesMatch(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            if ASCII.lower(p) != ASCII.lower(q) { return false }
        }
        return true
    }
}

/// Byte classes of RFC 9110 / 9112, shared by the parser and the response writer.
enum ASCII {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let space: UInt8 = 32
    static let tab: UInt8 = 9
    static let colon: UInt8 = 58

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b | 0x20 : b }

    /// tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    private static let tokenTable: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in UInt8(48)...57 { table[Int(b)] = true }
        for b in UInt8(65)...90 { table[Int(b)] = true }
        for b in UInt8(97)...122 { table[Int(b)] = true }
        for c in "!#$%&'*+-.^_`|~".utf8 { table[Int(c)] = true }
        return table
    }()

    @inline(__always)
    static func isToken(_ b: UInt8) -> Bool { tokenTable[Int(b)] }

    /// field-vchar, SP or HTAB: VCHAR (0x21–0x7E) or obs-text (0x80–0xFF). No other control byte.
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == space || b == tab || (b >= 0x21 && b != 0x7F)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    static func isToken<S: Sequence<UInt8>>(_ bytes: S) -> Bool {
        var any = false
        for b in bytes {
            guard isToken(b) else { return false }
            any = true
        }
        return any
    }
}
