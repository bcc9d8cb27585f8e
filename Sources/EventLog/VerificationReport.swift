import Crypto

/// One integrity problem found by `verify`, at the position where it is.
public struct VerificationFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// The stored bytes no longer hash to the recorded hash, or are not a canonical envelope.
        case modified
        /// No event carries this seq: a row was deleted.
        case missing
        /// The event is stored out of its seq order: rows were swapped or moved.
        case reordered
        /// The row is not part of the chain: it was added outside the ledger.
        case inserted
        /// The event's hash is not the `prev` its successor committed to: its content was changed
        /// and its hash recomputed.
        case brokenLink = "broken-link"
        /// An index column (seq, stream, stream_version, type, recorded_at, idempotency_key)
        /// disagrees with the stored bytes.
        case columnMismatch = "column-mismatch"
        /// A stream's versions are not 1, 2, 3 … in seq order.
        case streamDiscontinuity = "stream-discontinuity"
        /// `recordedAt` decreased along seq.
        case recordedAtDecreased = "recorded-at-decreased"
    }

    public let seq: Int64
    public let kind: Kind
    public let detail: String

    public init(seq: Int64, kind: Kind, detail: String) {
        self.seq = seq
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "seq \(seq): \(kind.rawValue): \(detail)" }
}

/// The outcome of verifying a whole ledger.
public struct VerificationReport: Sendable {
    /// How many stored rows were read.
    public let rowsChecked: Int64
    /// The last event of the chain as verified (its seq and hash); `.empty` for an empty ledger.
    public let head: LedgerHead
    /// The findings, in the order found, at most `VerificationReport.findingLimit` of them.
    public let findings: [VerificationFinding]
    /// How many findings there were in all (more than `findings.count` when capped).
    public let totalFindings: Int

    public static let findingLimit = 10_000

    public var isIntact: Bool { totalFindings == 0 }
}
