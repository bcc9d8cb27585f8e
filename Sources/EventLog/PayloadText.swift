import CanonicalJSON

/// Text the ledger can store and read back.
///
/// The reader parses stored bytes with the strict I-JSON parser, which refuses noncharacters
/// (U+FDD0–U+FDEF and the last two code points of every plane, RFC 7493 §2.1). A Swift `String`
/// can hold them, so a payload built in code could carry one into an event that would then be
/// stored, hashed and never readable again. Proposals are checked here, before anything is written.
enum PayloadText {
    /// The location and scalar of the first noncharacter in a member name or string of `value`,
    /// in canonical order, or nil when there is none.
    static func firstNoncharacter(in value: JSONValue) -> (pointer: JSONPointer, scalar: Unicode.Scalar)? {
        var path: [String] = []
        var found: Unicode.Scalar?
        func search(_ value: JSONValue) -> Bool {
            switch value {
            case .string(let string):
                found = noncharacter(in: string)
                return found != nil
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    path.append(String(index))
                    if search(element) { return true }
                    path.removeLast()
                }
                return false
            case .object(let object):
                for (key, member) in object {
                    path.append(key)
                    if let scalar = noncharacter(in: key) {
                        found = scalar
                        return true
                    }
                    if search(member) { return true }
                    path.removeLast()
                }
                return false
            case .null, .bool, .integer, .number:
                return false
            }
        }
        guard search(value), let found else { return nil }
        return (JSONPointer(path), found)
    }

    /// The first noncharacter of `string`, or nil. Every noncharacter's UTF-8 form starts with a
    /// byte of 0xEF or more, so text without such a byte is accepted without decoding it.
    static func noncharacter(in string: String) -> Unicode.Scalar? {
        guard string.utf8.contains(where: { $0 >= 0xEF }) else { return nil }
        return string.unicodeScalars.first { scalar in
            scalar.value >= 0xFDD0 && (scalar.value <= 0xFDEF || scalar.value & 0xFFFE == 0xFFFE)
        }
    }
}
