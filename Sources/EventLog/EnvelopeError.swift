/// Why an envelope, or a proposed event, is not acceptable. Every case names the member by its
/// JSON pointer so a person can find it in what they sent.
public enum EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    case notJSON(String)
    case missingMember(pointer: String)
    case unexpectedMember(pointer: String)
    case wrongType(pointer: String, expected: String)
    case invalidValue(pointer: String, reason: String)

    public var pointer: String? {
        switch self {
        case .notJSON: return nil
        case let .missingMember(p), let .unexpectedMember(p), let .wrongType(p, _), let .invalidValue(p, _): return p
        }
    }

    public var description: String {
        switch self {
        case let .notJSON(reason): return "not valid JSON: \(reason)"
        case let .missingMember(p): return "\(p) is required but missing"
        case let .unexpectedMember(p): return "\(p) is not a known member (misspelt, or not allowed here)"
        case let .wrongType(p, expected): return "\(p) must be \(expected)"
        case let .invalidValue(p, reason): return "\(p) \(reason)"
        }
    }
}
