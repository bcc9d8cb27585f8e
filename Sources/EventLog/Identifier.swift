/// The spelling rules for the names that appear in envelopes. They are strict so that a stream
/// or key can be printed, logged and typed back without quoting, and so that two spellings of
/// one name cannot exist.
public enum Identifier {
    public enum Kind: Sendable {
        /// `project:LA-GOV-2024-017`, `org:XM-DAC-41114`, `rules`: 1–256 characters from
        /// `A–Z a–z 0–9 . _ : / @ + -`, starting with a letter or digit.
        case stream
        /// `DisbursementRecorded`: 1–100 ASCII letters and digits, starting with a capital letter.
        case eventType
        /// Idempotency keys, correlation and causation ids, units: 1–200 printable ASCII
        /// characters other than space, `"` and `\` (so they are never escaped in JSON).
        case token
        /// Actor ids: as `token`.
        case actorID
        /// Roles: 1–50 lowercase ASCII letters.
        case role
    }

    /// Throws an error naming the field and the rule when `value` does not follow the rule of `kind`.
    public static func check(_ value: String, as kind: Kind, at pointer: String) throws(EnvelopeError) {
        let bytes = Array(value.utf8)
        let ok: Bool
        let rule: String
        switch kind {
        case .stream:
            rule = "1–256 characters from A–Z a–z 0–9 . _ : / @ + -, starting with a letter or digit"
            ok = (1...256).contains(bytes.count) && isAlnum(bytes[0]) && bytes.allSatisfy { isAlnum($0) || ".:_/@+-".utf8.contains($0) }
        case .eventType:
            rule = "1–100 ASCII letters and digits starting with a capital letter, e.g. DisbursementRecorded"
            ok = (1...100).contains(bytes.count) && (0x41...0x5A).contains(bytes[0]) && bytes.allSatisfy(isAlnum)
        case .token, .actorID:
            rule = "1–200 printable ASCII characters without spaces, quotes or backslashes"
            ok = (1...200).contains(bytes.count) && bytes.allSatisfy { (0x21...0x7E).contains($0) && $0 != 0x22 && $0 != 0x5C }
        case .role:
            rule = "1–50 lowercase ASCII letters"
            ok = (1...50).contains(bytes.count) && bytes.allSatisfy { (0x61...0x7A).contains($0) }
        }
        if !ok { throw .invalidValue(pointer: pointer, reason: "must be \(rule)") }
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
    }
}
