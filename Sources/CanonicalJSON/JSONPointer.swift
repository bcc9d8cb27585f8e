/// An RFC 6901 JSON Pointer: the path to one value inside a JSON document.
///
/// Every validation error in the project names the offending field with one of these, so that
/// messages read `/payload/amount: …` whatever the nesting. Tokens are compared by Unicode
/// scalars (not by `String`'s canonical equivalence), like JSON object keys.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens, outermost first: object keys, or decimal array indices.
    public var tokens: [String]

    /// The pointer to the whole document; its description is the empty string.
    public static let root = JSONPointer([])

    public init(_ tokens: [String]) {
        self.tokens = tokens
    }

    /// The pointer to member `key` of the object this pointer designates.
    public func appending(_ key: String) -> JSONPointer {
        JSONPointer(tokens + [key])
    }

    /// The pointer to element `index` of the array this pointer designates.
    public func appending(index: Int) -> JSONPointer {
        JSONPointer(tokens + [String(index)])
    }

    /// The RFC 6901 string form: `""` for the root, otherwise `/` before every token, with `~`
    /// written as `~0` and `/` as `~1` (e.g. `/payload/a~1b`).
    public var description: String {
        var result = ""
        for token in tokens {
            result.append("/")
            if token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) {
                for scalar in token.unicodeScalars {
                    switch scalar {
                    case "~": result.append("~0")
                    case "/": result.append("~1")
                    default: result.unicodeScalars.append(scalar)
                    }
                }
            } else {
                result.append(token)
            }
        }
        return result
    }

    public static func == (lhs: JSONPointer, rhs: JSONPointer) -> Bool {
        lhs.tokens.count == rhs.tokens.count
            && zip(lhs.tokens, rhs.tokens).allSatisfy { StringBytes.equal($0, $1) }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tokens.count)
        for token in tokens {
            StringBytes.hash(token, into: &hasher)
        }
    }
}
