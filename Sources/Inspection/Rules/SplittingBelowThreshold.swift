import EventLog
import ODA

/// Lao procurement thresholds for works, in kip, by the date they took effect: below the first
/// a purchase may be made by direct selection, below the second by price comparison; above it
/// open bidding is required (Law on Public Procurement 30/NA 2017, Instruction 0477/MOF 2019).
/// A payment is judged by the thresholds in force on its own date.
public enum ProcurementThresholds {
    public struct Version: Sendable {
        public let effectiveFrom: CalendarDate
        /// Kip, ascending.
        public let thresholds: [Int64]
    }

    /// The 2017 law's date of entry into force is taken as 1 January 2017.
    public static let versions = [Version(effectiveFrom: CalendarDate(year: 2017, month: 1, day: 1)!,
                                          thresholds: [5_000_000, 500_000_000])]

    /// The thresholds in force on `date`; none before the first version.
    public static func inForce(on date: CalendarDate) -> [Int64] {
        versions.last { $0.effectiveFrom <= date }?.thresholds ?? []
    }
}

/// Payments to one payee, each just under a procurement threshold but together above it within
/// a short time, avoid the competition the threshold requires.
public struct SplittingBelowThreshold: Rule {
    public let id = "splitting-below-procurement-threshold"
    public let version = 1
    public let name = "Splitting below procurement thresholds"
    public let rationale = "Several payments to one payee, each under a procurement threshold and together over it, avoid competition."
    public let severity = Severity.high
    public let parameters = [RuleParameter("windowDays", 30, "days within which the payments are added up")]

    public let inputs: RuleInputs = .transactions([.expenditure], scope: .payee)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let window = parameters["windowDays"] ?? 30
        var byPayee: [Int: [(t: ProjectHistory.Transaction, day: Int64, kip: Int128)]] = [:]
        for t in history.live(.expenditure) {
            guard t.payee != nil, let date = t.date, let kip = history.rates.lak(t.amount, asOf: t.seq) else { continue }
            byPayee[t.payeeKey, default: []].append((t, t.day ?? days(date), kip.tenThousandths / 10_000))
        }
        var hits: [RuleHit] = []
        for own in byPayee.values {
            let payee = own[0].t.payee!
            let payments = own.sorted { ($0.day, $0.t.seq) < ($1.day, $1.t.seq) }
            var evidence: Set<Int64> = []
            var crossed: Int64 = 0
            for (i, first) in payments.enumerated() {
                let group = payments[i...].prefix { $0.day - first.day <= window }
                guard group.count >= 2, let date = first.t.date else { continue }
                let total = group.reduce(Int128(0)) { $0 + $1.kip }
                for threshold in ProcurementThresholds.inForce(on: date)
                where group.allSatisfy({ $0.kip < Int128(threshold) }) && total >= Int128(threshold) {
                    evidence.formUnion(group.map(\.t.seq))
                    crossed = max(crossed, threshold)
                }
            }
            guard !evidence.isEmpty else { continue }
            let seqs = evidence.sorted()
            let amounts = payments.filter { evidence.contains($0.t.seq) }.map(\.t.amount)
            hits.append(RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project), evidence: seqs,
                                amount: history.total(amounts, asOf: history.lastSeq), score: min(100, 50 + 10 * seqs.count),
                                explanation: "\(seqs.count) payments to \(payee), each below the \(crossed) kip procurement threshold, "
                                    + "together exceed it within \(window) days."))
        }
        return hits
    }
}
