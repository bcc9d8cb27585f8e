/// A JSON value as RFC 8259 / I-JSON define it, with integers kept apart from other numbers.
///
/// The ledger only accepts integers, so a number literal with neither fraction nor exponent whose
/// value lies within ±(2^53 − 1) (the integers every JSON implementation represents exactly) is an
/// ``integer(_:)``; `-0` becomes `.integer(0)`. Every other number is a ``number(_:)`` and exists
/// for RFC 8785 completeness: ``firstNonIntegerNumber()`` finds them so that callers can refuse
/// them and name the field.
///
/// Equality is structural and exact: the same case, strings with the same Unicode scalars (not
/// `String`'s canonical equivalence, since `"Å"` and `"A\u{30A}"` canonicalize differently), and
/// numbers by `==` of their payload. Equal values therefore have equal canonical bytes. The
/// converse does not hold across cases: `.integer(1)` and `.number(1.0)` are different values
/// that both canonicalize to `1`.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer within ``safeIntegerRange``. Values outside that range can be constructed but are
    /// not what the parser produces; they canonicalize as the nearest double (RFC 8785 treats every
    /// number as an IEEE 754 double), and ``firstNonIntegerNumber()`` reports them.
    case integer(Int64)
    /// Any other number. Must be finite to be serialized.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// ±(2^53 − 1): the integers that an IEEE 754 double, and so every JSON implementation,
    /// represents exactly.
    public static let safeIntegerRange: ClosedRange<Int64> = -9_007_199_254_740_991 ... 9_007_199_254_740_991

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return StringBytes.equal(a, b)
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let value):
            hasher.combine(1 as UInt8)
            hasher.combine(value)
        case .integer(let value):
            hasher.combine(2 as UInt8)
            hasher.combine(value)
        case .number(let value):
            hasher.combine(3 as UInt8)
            hasher.combine(value)
        case .string(let value):
            hasher.combine(4 as UInt8)
            StringBytes.hash(value, into: &hasher)
        case .array(let value):
            hasher.combine(5 as UInt8)
            hasher.combine(value)
        case .object(let value):
            hasher.combine(6 as UInt8)
            hasher.combine(value)
        }
    }
}

// MARK: - Accessors

public extension JSONValue {
    /// The string, if this is a string.
    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an ``integer(_:)``. A ``number(_:)`` with an integral value is not
    /// converted: the ledger wants to know the literal had a fraction or exponent.
    var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The Boolean, if this is `true` or `false`.
    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is `null`.
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value of member `key` if this is an object that has it; `nil` otherwise.
    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// Element `index` if this is an array and the index is in range; `nil` otherwise.
    subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }
}

// MARK: - Integer-only checking

public extension JSONValue {
    /// The location of the first number that is not an integer within ``safeIntegerRange``, in
    /// canonical order (array elements in order, object members by key), or `nil` if there is none.
    ///
    /// The ledger refuses floating-point numbers; this names the field to put in the error.
    func firstNonIntegerNumber() -> JSONPointer? {
        var tokens: [String] = []
        return Self.findNonIntegerNumber(in: self, path: &tokens) ? JSONPointer(tokens) : nil
    }

    private static func findNonIntegerNumber(in value: JSONValue, path: inout [String]) -> Bool {
        switch value {
        case .number:
            return true
        case .integer(let integer):
            return !safeIntegerRange.contains(integer)
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                path.append(String(index))
                if findNonIntegerNumber(in: element, path: &path) { return true }
                path.removeLast()
            }
            return false
        case .object(let object):
            for member in object {
                path.append(member.key)
                if findNonIntegerNumber(in: member.value, path: &path) { return true }
                path.removeLast()
            }
            return false
        case .null, .bool, .string:
            return false
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) {
        self = .integer(value)
    }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Builds an object; a literal with a duplicate key is a programming error and traps,
    /// as it does for `Dictionary`.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(literalMembers: elements))
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    /// `nil` is JSON `null`. Where a `JSONValue?` is expected, as in ``JSONObject``'s subscript
    /// setter, a bare `nil` means "absent" instead; write `.null` to store a null. Beware of
    /// `condition ? someValue : nil`, where `nil` becomes `.null`: use `.none` for "absent".
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension JSONValue: CustomStringConvertible {
    /// The canonical (RFC 8785) text of the value. Unlike ``canonicalString`` it does not trap on
    /// a non-finite ``number(_:)``, which it shows as `NaN` or `Infinity`.
    public var description: String {
        CanonicalWriter.withOutput(of: self, describing: true) { String(decoding: $0.bytes, as: UTF8.self) }
    }
}
