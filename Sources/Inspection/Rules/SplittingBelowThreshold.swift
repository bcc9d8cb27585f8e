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

    /// Payments are put in kip at their own seq; only a hit's total is converted at the last seq.
    public let inputs: RuleInputs = .transactions([.expenditure], scope: .payee, rates: .amounts)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let window = parameters["windowDays"] ?? 30
        var byPayee: [Int: [(t: ProjectHistory.Transaction, day: Int64, kip: Int128)]] = [:]
        for t in history.transactions where t.kind == .expenditure && !t.reversed {
            guard t.payee != nil, let date = t.date, let kip = history.rates.lak(t.amount, asOf: t.seq) else { continue }
            byPayee[t.payeeKey, default: []].append((t, t.day ?? days(date), kip.tenThousandths / 10_000))
        }
        var hits: [RuleHit] = []
        for own in byPayee.values {
            let payee = own[0].t.payee!
            let payments = own.sorted { ($0.day, $0.t.seq) < ($1.day, $1.t.seq) }
            let (marked, crossed) = Self.groups(payments.map { ($0.day, $0.kip, $0.t.date!) }, window: window)
            let seqs = payments.indices.filter { marked[$0] }.map { payments[$0].t.seq }.sorted()
            guard !seqs.isEmpty else { continue }
            let amounts = payments.indices.filter { marked[$0] }.map { payments[$0].t.amount }
            hits.append(RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project), evidence: seqs,
                                amount: history.total(amounts, asOf: history.lastSeq), score: min(100, 50 + 10 * seqs.count),
                                explanation: "\(seqs.count) payments to \(payee), each below the \(crossed) kip procurement threshold, "
                                    + "together exceed it within \(window) days."))
        }
        return hits
    }

    /// Over one payee's payments sorted by day, the groups that split a purchase: for each
    /// payment, the run of it and the payments within `window` days after it, when there are at
    /// least two, each below a threshold in force on its first payment's date and together at or
    /// above it. Returns which payments belong to such a group and the largest threshold crossed.
    ///
    /// Each run ends where the previous one ended or later, so one pass keeps its end, its sum (a
    /// difference of prefix sums) and its largest payment (a queue of decreasing candidates):
    /// linear in the payments, where testing each run anew was quadratic in a busy payee's month.
    /// `SplittingReferenceTests` holds it to the run-by-run reading.
    static func groups(_ payments: [(day: Int64, kip: Int128, date: CalendarDate)], window: Int64) -> (marked: [Bool], crossed: Int64) {
        let n = payments.count
        // prefix[k]: the sum of the first k amounts, wrapping, so a run's sum is exact whenever it fits.
        var prefix = [Int128](repeating: 0, count: n + 1)
        for k in 0..<n { prefix[k + 1] = prefix[k] &+ payments[k].kip }
        var cover = [Int](repeating: 0, count: n + 1)
        var crossed: Int64 = 0
        var largest: [Int] = []  // indices in the current run, amounts decreasing
        var head = 0
        var end = 0
        for i in 0..<n {
            while end < n && payments[end].day - payments[i].day <= window {
                while head < largest.count && payments[largest[largest.count - 1]].kip <= payments[end].kip {
                    largest.removeLast()
                }
                largest.append(end)
                end += 1
            }
            while head < largest.count && largest[head] < i { head += 1 }
            guard end - i >= 2 else { continue }
            let total = prefix[end] &- prefix[i]
            let maximum = payments[largest[head]].kip
            for threshold in ProcurementThresholds.inForce(on: payments[i].date)
            where maximum < Int128(threshold) && total >= Int128(threshold) {
                cover[i] += 1
                cover[end] -= 1
                crossed = max(crossed, threshold)
            }
        }
        var marked = [Bool](repeating: false, count: n)
        var depth = 0
        for k in 0..<n {
            depth += cover[k]
            marked[k] = depth > 0
        }
        return (marked, crossed)
    }
}

extension SplittingBelowThreshold: PayeeChangeTest {
    /// A new payment changes the payee's hits only when it is counted (in kip at its own seq)
    /// and another live payment to the payee falls within the window of days around it: else
    /// every run of payments holding it holds it alone, and every other run is as it was.
    /// Reversals are not judged by the evidence (see below).
    func mayChange(_ part: ProjectHistory, by fact: ProjectFact, flagged: [Int64], parameters: [String: Int64]) -> Bool {
        let window = parameters["windowDays"] ?? 30
        if fact.kind == .reversal {
            // Letting a payment go can make a run qualify (it may have been the run's largest),
            // so the reversal of a payment the rule can count always re-judges the payee.
            guard let seq = fact.number, let t = part.transaction(at: seq) else { return false }
            return t.kind == .expenditure && t.date != nil
        }
        return mayChange(part, by: fact, flagged: flagged) { t in
            guard t.kind == .expenditure, t.payee != nil, let day = t.day, part.rates.lak(t.amount, asOf: t.seq) != nil else { return false }
            return part.transactions.contains { u in
                guard u.seq != t.seq, u.kind == .expenditure, !u.reversed, let other = u.day else { return false }
                return abs(other - day) <= window
            }
        }
    }
}
