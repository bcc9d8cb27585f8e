/// A growable stack that hands its top elements out as a new `Array` by moving them, without
/// retain/release traffic.
///
/// The parser keeps one of these for the elements of all arrays being parsed and one for the
/// members of all objects being parsed; each finished container takes its elements off the top,
/// so its `Array` is allocated once, at its exact size. A stack can start in caller-provided
/// (stack-allocated) memory and moves to the heap only if it outgrows it.
struct MoveStack<Element>: ~Copyable {
    private var storage: UnsafeMutablePointer<Element>?
    private(set) var count = 0
    private var capacity = 0
    /// Whether `storage` was allocated here (rather than provided by the caller).
    private var ownsStorage = false

    /// An empty stack that allocates on first use.
    init() {}

    /// An empty stack that uses `initialStorage` (uninitialized, and outliving the stack) until
    /// it needs more room.
    init(initialStorage: UnsafeMutableBufferPointer<Element>) {
        storage = initialStorage.baseAddress
        capacity = initialStorage.count
    }

    deinit {
        if let storage {
            storage.deinitialize(count: count)
            if ownsStorage { storage.deallocate() }
        }
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (storage.unsafelyUnwrapped + count).initialize(to: element)
        count += 1
    }

    @inline(never)
    private mutating func grow() {
        let newCapacity = max(16, capacity * 2)
        let newStorage = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        if let storage {
            newStorage.moveInitialize(from: storage, count: count)
            if ownsStorage { storage.deallocate() }
        }
        storage = newStorage
        capacity = newCapacity
        ownsStorage = true
    }

    /// Read access to element `index` (0-based from the bottom).
    subscript(index: Int) -> Element {
        unsafeAddress { UnsafePointer(storage.unsafelyUnwrapped + index) }
    }

    /// Removes (and destroys) the elements from `base` to the top.
    mutating func removeAll(from base: Int) {
        guard count > base else { return }
        (storage.unsafelyUnwrapped + base).deinitialize(count: count - base)
        count = base
    }

    /// Removes the elements from `base` to the top and returns them, bottom first.
    mutating func popArray(from base: Int) -> [Element] {
        let moved = count - base
        guard moved > 0 else { return [] }
        // `reserveCapacity` + `append` specialize fully; `Array(unsafeUninitializedCapacity:)`
        // goes through an unspecialized allocation path that looks up generic metadata each time.
        var result: [Element] = []
        result.reserveCapacity(moved)
        let source = storage.unsafelyUnwrapped + base
        for index in 0 ..< moved {
            result.append((source + index).move())
        }
        count = base
        return result
    }

    /// Removes the elements from `base` to the top and returns them in the given order:
    /// element `i` of the result is the element at `base + order[i]`. `order` must be a
    /// permutation of `0 ..< count - base`.
    mutating func popArray(from base: Int, order: UnsafeBufferPointer<Int>) -> [Element] {
        let moved = count - base
        precondition(order.count == moved)
        var result: [Element] = []
        result.reserveCapacity(moved)
        let source = storage.unsafelyUnwrapped + base
        for from in order {
            result.append((source + from).move())
        }
        count = base
        return result
    }
}
