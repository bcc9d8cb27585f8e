/// Why a batch was refused. Whatever the reason, nothing of the batch was written.
public enum AppendError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyBatch
    /// The stream has moved on since the caller read it (optimistic concurrency).
    case wrongExpectedVersion(index: Int, stream: String, expected: Int64, actual: Int64)
    /// The idempotency key was already used for different content.
    case idempotencyConflict(index: Int, key: String, originalSeq: Int64)
    case store(StoreError)

    public var description: String {
        switch self {
        case .emptyBatch:
            return "the batch is empty: nothing to append"
        case let .wrongExpectedVersion(index, stream, expected, actual):
            return "event \(index + 1) of the batch expects stream \(stream) at version \(expected), but it is at version \(actual); nothing was appended (read the stream again and retry)"
        case let .idempotencyConflict(index, key, originalSeq):
            return "event \(index + 1) of the batch reuses idempotency key \(key), already used by seq \(originalSeq) for different content; nothing was appended"
        case let .store(error):
            return error.description
        }
    }
}

/// The result of appending one proposed event.
public struct AppendOutcome: Sendable, Equatable {
    public let event: RecordedEvent
    /// True when the idempotency key matched an event recorded earlier with the same content:
    /// nothing new was written for it.
    public let wasAlreadyRecorded: Bool
}
