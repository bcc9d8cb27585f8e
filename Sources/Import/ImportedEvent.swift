import CanonicalJSON
import Crypto
import EventLog

/// A proposed event together with where in the import file it came from, so a refusal by the
/// ledger's validator can still name file, line and element.
public struct ImportedEvent: Sendable {
    public let event: ProposedEvent
    public let line: Int
    public let element: String
}

/// Deterministic idempotency keys: `{prefix}:` and the first 40 hex digits of the SHA-256 of the
/// project (or organisation) id and the element key. The same file gives the same keys, so a
/// re-import finds every key already recorded and appends nothing.
enum ImportKey {
    static func make(_ prefix: String, _ owner: String, _ element: String) -> String {
        prefix + ":" + hex(owner + "\u{0}" + element, digits: 40)
    }

    static func hex(_ text: String, digits: Int) -> String {
        String(SHA256.hash(Array(text.utf8)).hex.prefix(digits))
    }
}
