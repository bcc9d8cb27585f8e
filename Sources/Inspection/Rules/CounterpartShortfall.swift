import CanonicalJSON
import ODA

/// The government's counterpart contribution is a condition of most financing agreements; a
/// year that ends with much less contributed than planned puts the project's co-financing at risk.
public struct CounterpartShortfall: Rule {
    public let id = "counterpart-shortfall"
    public let version = 1
    public let name = "Counterpart shortfall"
    public let rationale = "Counterpart contributions far below plan breach co-financing conditions."
    public let severity = Severity.medium
    public let parameters = [RuleParameter("shortfallBasisPoints", 2000, "shortfall tolerated (2000 = actual may be 20 % below plan)")]

    public let inputs: RuleInputs = .transactions([.counterpart], readsClock: true)

    public init() {}

    /// A fiscal year is judged once the project has an event recorded after the year ended
    /// (calendar fiscal years, as in Lao PDR since 2017), so the verdict depends on events only.
    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let tolerance = Int128(parameters["shortfallBasisPoints"] ?? 2000)
        guard let lastRecorded = history.lastRecordedAt?.rfc3339, let currentYear = Int64(lastRecorded.prefix(4)) else { return [] }
        var planned: [Int64: [(Int64, Amount)]] = [:], actual: [Int64: [(Int64, Amount)]] = [:]
        for t in history.live(.counterpart) {
            guard let year = t.fiscalYear, year < currentYear else { continue }
            if t.contributionKind == "actual" { actual[year, default: []].append((t.seq, t.amount)) }
            else if t.contributionKind == "planned" { planned[year, default: []].append((t.seq, t.amount)) }
        }
        return planned.keys.sorted().compactMap { year in
            let plan = planned[year]!, done = actual[year] ?? []
            guard let p = history.total(plan.map(\.1), asOf: history.lastSeq) else { return nil }
            let a = done.isEmpty ? Amount.zero(p.currency) : history.total(done.map(\.1), asOf: history.lastSeq)
            guard let a, a.currency == p.currency || done.isEmpty else { return nil }
            guard a.tenThousandths * 10_000 < p.tenThousandths * (10_000 - tolerance) else { return nil }
            let gap = (try? p.subtracting(a)) ?? p
            return RuleHit(subject: .project(history.project), evidence: (plan + done).map(\.0).sorted(), amount: gap,
                           score: 60, explanation: "Counterpart contributions for \(year) reached \(a) against \(p) planned.")
        }
    }
}
