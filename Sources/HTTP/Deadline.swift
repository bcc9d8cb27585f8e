#if canImport(Glibc)
import Glibc
#endif

/// An absolute point on the monotonic clock by which a phase of a connection must finish.
///
/// Deadlines are absolute on purpose: a per-read timeout restarts with every byte, so a client
/// sending one byte a second would never time out.
struct Deadline {
    let nanoseconds: UInt64

    static func nowNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    init(after duration: Duration) {
        nanoseconds = Self.nowNanoseconds() &+ duration.wholeNanoseconds
    }

    init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    var hasPassed: Bool { Self.nowNanoseconds() >= nanoseconds }

    /// Milliseconds left for poll(), rounded up so poll never returns just before the deadline.
    var remainingMilliseconds: Int32 {
        let now = Self.nowNanoseconds()
        guard nanoseconds > now else { return 0 }
        let ms = (nanoseconds - now + 999_999) / 1_000_000
        return Int32(clamping: ms)
    }

    /// The earlier of two deadlines.
    func earliest(_ other: Deadline?) -> Deadline {
        guard let other else { return self }
        return other.nanoseconds < nanoseconds ? other : self
    }
}

extension Duration {
    var wholeNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
