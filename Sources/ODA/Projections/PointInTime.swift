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
    /// The business view at the end of this date, as known now: every event whose business date
    /// (`BusinessDate.of`) is on or before it, plus every event without one, applied in seq order.
    case effectiveOn(CalendarDate)

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

    /// Whether an event within `position(in:)` belongs to this point (only effective dates filter).
    func includes(_ envelope: EventEnvelope) -> Bool {
        guard case let .effectiveOn(date) = self else { return true }
        guard let effective = BusinessDate.of(envelope) else { return true }
        return effective <= date
    }

    /// The last seq this point includes in `store`.
    public func position(in store: EventStore) throws -> Int64 {
        let head = try store.head().seq
        switch self {
        case .head, .effectiveOn: return head
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

/// The date an event takes effect in business terms.
public enum BusinessDate {
    /// The envelope's `occurredAt` (its date part) when given; else the payload's own date
    /// (`date`, `effectiveDate`, `approvalDate`, `signedDate`, first present); else nil. Events
    /// without one (a proposal, an allocation, a budget plan or revision, a reversal) hold at
    /// every effective date unless the recorder gave `occurredAt`.
    public static func of(_ envelope: EventEnvelope) -> CalendarDate? {
        if let occurred = envelope.occurredAt, let date = CalendarDate(String(occurred.prefix(10))) { return date }
        for key in ["date", "effectiveDate", "approvalDate", "signedDate"] {
            if let date = envelope.payload[key]?.stringValue.flatMap(CalendarDate.init) { return date }
        }
        return nil
    }
}
