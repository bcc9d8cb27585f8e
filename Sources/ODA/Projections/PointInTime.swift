import EventLog
import Foundation

/// Where in the ledger's history a read is made.
public enum PointInTime: Sendable, Equatable {
    /// Everything recorded so far.
    case head
    /// The events up to and including this seq.
    case seq(Int64)
    /// What the system knew at this instant: the events recorded strictly before it.
    case recordedBefore(Timestamp)

    /// Parses the CLI's `--as-of` value: a seq (`42`), a date (`2024-06-30`, meaning the end of
    /// that day in UTC, i.e. everything recorded before the next day began) or an RFC 3339
    /// instant (`2024-06-30T10:00:00Z`, inclusive).
    public init(parsing text: String) throws(PointInTimeError) {
        if let seq = Int64(text) {
            guard seq >= 0 else { throw .malformed(text) }
            self = .seq(seq)
        } else if let date = CalendarDate(text) {
            let days = CivilDate.daysSinceEpoch(year: Int64(date.year), month: Int64(date.month), day: Int64(date.day))
            self = .recordedBefore(Timestamp(microsecondsSinceEpoch: (days + 1) * 86_400_000_000))
        } else if let instant = Timestamp.parse(text) {
            self = .recordedBefore(Timestamp(microsecondsSinceEpoch: instant.microsecondsSinceEpoch + 1))
        } else {
            throw .malformed(text)
        }
    }

    /// The last seq this point includes in `store`.
    public func position(in store: EventStore) throws -> Int64 {
        let head = try store.head().seq
        switch self {
        case .head: return head
        case let .seq(seq): return min(seq, head)
        case let .recordedBefore(time): return try store.lastSeq(recordedBefore: time)
        }
    }
}

public enum PointInTimeError: Error, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case let .malformed(text):
            return "--as-of \(text) is neither a seq (e.g. 42), a date (e.g. 2024-06-30) nor an RFC 3339 instant (e.g. 2024-06-30T10:00:00Z)"
        }
    }
}
