/// Writes one canonical JSON text piece by piece, for a caller that knows its member order.
///
/// The ledger serializes an envelope on every append. Building a ``JSONValue`` tree for it only
/// to walk it again costs more than the writing; a caller whose keys are fixed and already in
/// RFC 8785 order writes them as literal text and each value with the same writer that
/// ``JSONValue/canonicalBytes`` uses, into one buffer. The caller is responsible for the
/// structure (key order, commas); every value written through ``string(_:)``, ``integer(_:)``,
/// ``object(_:)`` and ``value(_:)`` is exactly what ``JSONValue/canonicalBytes`` would write for it.
public struct CanonicalComposer: ~Copyable {
    fileprivate var sink: ByteSink

    /// Runs `body` with an empty composer and returns what it wrote. Outputs up to a kilobyte are
    /// composed in stack memory and copied out once.
    public static func compose(_ body: (inout CanonicalComposer) -> Void) -> [UInt8] {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { storage in
            var composer = CanonicalComposer(sink: ByteSink(borrowing: storage))
            body(&composer)
            return composer.sink.array
        }
    }

    /// Appends `text` verbatim: punctuation and keys the caller knows to be canonical.
    @inline(__always)
    public mutating func literal(_ text: StaticString) {
        sink.append(text)
    }

    /// Appends bytes verbatim: a canonical fragment serialized earlier.
    @inline(__always)
    public mutating func literal(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { sink.append($0) }
    }

    /// Appends `count` bytes that `fill` writes in place (it must initialize all of them).
    @inline(__always)
    public mutating func literal(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        sink.reserve(count)
        sink.appendReserved(count: count, fill)
    }

    /// Appends `string` as a canonical JSON string literal.
    @inline(__always)
    public mutating func string(_ string: String) {
        CanonicalWriter.writeString(string, into: &sink)
    }

    /// Appends `integer` as the canonical number (as ``JSONValue/integer(_:)`` serializes).
    @inline(__always)
    public mutating func integer(_ integer: Int64) {
        CanonicalWriter.write(.integer(integer), into: &sink, describing: false)
    }

    /// Appends the canonical bytes of `object`.
    @inline(__always)
    public mutating func object(_ object: JSONObject) {
        CanonicalWriter.write(object, into: &sink, describing: false)
    }

    /// Appends the canonical bytes of `value` (same preconditions as ``JSONValue/canonicalBytes``).
    @inline(__always)
    public mutating func value(_ value: JSONValue) {
        CanonicalWriter.write(value, into: &sink, describing: false)
    }
}
