/// Why an event was refused before anything was written: which event of the batch, the JSON
/// pointer of the offending field in the request (`/payload/amount/currency`), and the rule it
/// breaks, phrased so the user knows what to change.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The event's position in the batch (0-based).
    public let index: Int
    /// A JSON pointer into the request line, e.g. `/payload/allocations/1/percentage`, or `/type`.
    public let pointer: String
    public let rule: String

    public init(index: Int, pointer: String, rule: String) {
        self.index = index
        self.pointer = pointer
        self.rule = rule
    }

    public var description: String { "event \(index + 1): \(pointer.isEmpty ? "/" : pointer): \(rule)" }
}
