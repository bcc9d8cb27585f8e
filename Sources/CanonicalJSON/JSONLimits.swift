/// Resource limits applied while parsing, so that hostile input cannot exhaust memory or stack.
///
/// The parser is recursive; `maxDepth` is what bounds its stack use. Keep it small (the default
/// 64 is far beyond any ledger event) when parsing on threads with small stacks.
public struct JSONLimits: Sendable, Hashable {
    /// Deepest nesting of arrays and objects accepted; `[]` has depth 1. Deeper input is refused
    /// with "nesting deeper than N".
    public var maxDepth: Int
    /// Longest string (object key or value) accepted, counted in UTF-8 bytes after unescaping.
    public var maxStringBytes: Int
    /// Largest input accepted, in bytes.
    public var maxBytes: Int

    public init(maxDepth: Int = 64, maxStringBytes: Int = 1 << 20, maxBytes: Int = 16 << 20) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxBytes = maxBytes
    }

    /// Depth 64, strings up to 1 MiB, input up to 16 MiB.
    public static let `default` = JSONLimits()
}
