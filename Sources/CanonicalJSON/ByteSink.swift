/// A growable output buffer written through a raw pointer.
///
/// Appending to an `[UInt8]` byte by byte pays a uniqueness and capacity check on every byte;
/// the canonical writer instead reserves room once per token and stores bytes directly.
struct ByteSink: ~Copyable {
    private(set) var start: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// False while writing into caller-provided (stack) memory, true once grown onto the heap.
    private var ownsStorage: Bool

    init(borrowing storage: UnsafeMutableBufferPointer<UInt8>) {
        start = storage.baseAddress.unsafelyUnwrapped
        capacity = storage.count
        ownsStorage = false
    }

    deinit {
        if ownsStorage { start.deallocate() }
    }

    /// Runs `body` with an empty sink whose first kilobyte lives on the stack, so that typical
    /// outputs (a ledger event is a few hundred bytes) cost no heap allocation until they are
    /// copied out. (1 KiB is what the standard library always places on the stack; a larger
    /// temporary allocation is checked at run time and, on Linux, ends up on the heap.)
    static func withTemporary<Result>(_ body: (inout ByteSink) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { storage in
            var sink = ByteSink(borrowing: storage)
            return body(&sink)
        }
    }

    /// Makes room for at least `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newStart = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStart.initialize(from: start, count: count)
        if ownsStorage { start.deallocate() }
        start = newStart
        ownsStorage = true
        capacity = newCapacity
    }

    /// Appends one byte; room must have been reserved.
    @inline(__always)
    mutating func appendReserved(_ byte: UInt8) {
        start[count] = byte
        count += 1
    }

    /// Stores all eight bytes of `word` (in memory order) but keeps only the first `length`;
    /// room for eight bytes must have been reserved.
    @inline(__always)
    mutating func appendReserved(word: UInt64, length: Int) {
        UnsafeMutableRawPointer(start + count).storeBytes(of: word, as: UInt64.self)
        count += length
    }

    /// Appends 8 to 16 bytes with two overlapping word copies instead of a `memcpy` call;
    /// room must have been reserved.
    @inline(__always)
    mutating func appendReserved(short bytes: UnsafeBufferPointer<UInt8>) {
        let source = UnsafeRawPointer(bytes.baseAddress.unsafelyUnwrapped)
        let target = UnsafeMutableRawPointer(start + count)
        let length = bytes.count
        target.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
        target.storeBytes(
            of: source.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self),
            toByteOffset: length - 8,
            as: UInt64.self
        )
        count += length
    }

    /// Lets `fill` initialize the next `count` bytes in place; room must have been reserved.
    @inline(__always)
    mutating func appendReserved(count extra: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        fill(UnsafeMutableRawBufferPointer(start: start + count, count: extra))
        count += extra
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        appendReserved(byte)
    }

    /// Appends bytes; room must have been reserved.
    @inline(__always)
    mutating func appendReserved(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        (start + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        appendReserved(bytes)
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends the decimal digits of `value`.
    @inline(__always)
    mutating func appendDecimal(_ value: UInt64) {
        var digitCount = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digitCount += 1
        }
        reserve(digitCount)
        var remaining = value
        var index = count + digitCount
        repeat {
            index -= 1
            start[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        } while remaining != 0
        count += digitCount
    }

    /// The bytes written so far; valid until the next mutation.
    var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: start, count: count)
    }

    /// A copy of the bytes written so far.
    var array: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                buffer.baseAddress.unsafelyUnwrapped.initialize(from: start, count: count)
            }
            initialized = count
        }
    }
}
