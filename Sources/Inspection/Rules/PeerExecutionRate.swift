import ODA

/// A project that disburses far more (or far less) of its annual plan than comparable projects
/// in the same year is either mis-planned or moving money for other reasons. Comparable means
/// the same sector working group, or, where that group is too small, the same development partner.
///
/// Execution rate of a project in year Y: live disbursements dated in Y over the current figures
/// of its budget lines whose period starts in Y, both in USD at the rates recorded by the
/// evaluation point, in basis points. Its distance from the peers is Iglewicz and Hoaglin's
/// modified z-score, 0.6745 (x − median) / MAD, computed over the peers without the project
/// itself; when the peers' MAD is zero the mean absolute deviation scaled by 1.2533 stands in,
/// and when every peer has the same rate any distance of at least the minimum deviation counts.
/// All arithmetic is on integers, so the verdict is reproducible bit for bit.
public struct PeerExecutionRate: PopulationRule {
    public let id = "peer-execution-rate"
    public let version = 1
    public let name = "Abnormal execution rate against peers"
    public let rationale = "A project executing far more or less of its annual plan than its peers is mis-planned or moving money for other reasons."
    public let severity = Severity.medium
    public let parameters = [
        RuleParameter("minimumPeers", 5, "other projects with a rate in the same group and year before a project is judged"),
        RuleParameter("zScoreHundredths", 350, "modified z-score beyond which a rate is abnormal (350 = 3.5)"),
        RuleParameter("minimumDeviationBasisPoints", 2500, "distance from the peers' median also required (2500 = 25 percentage points)"),
    ]

    public init() {}

    /// One project's execution in one year.
    struct Execution {
        let project: String
        let year: Int
        let rateBasisPoints: Int128
        let disbursed: Amount
        let planned: Amount
        let evidence: [Int64]
    }

    public func evaluate(_ population: PopulationFacts, parameters: [String: Int64]) -> [RuleHit] {
        let minimumPeers = Int(parameters["minimumPeers"] ?? 5)
        let threshold = Int128(parameters["zScoreHundredths"] ?? 350)
        let minimumDeviation = Int128(parameters["minimumDeviationBasisPoints"] ?? 2500)
        let executions = Self.executions(population)
        var bySector: [String: [Execution]] = [:], byPartner: [String: [Execution]] = [:]
        for e in executions {
            let project = population.projects[e.project]!
            if let group = project.sectorWorkingGroup { bySector["\(group)\u{0}\(e.year)", default: []].append(e) }
            if let partner = project.partner { byPartner["\(partner)\u{0}\(e.year)", default: []].append(e) }
        }
        var hits: [RuleHit] = []
        for e in executions {
            let project = population.projects[e.project]!
            let candidates: [(String, String, [Execution])] = [
                ("sector working group", project.sectorWorkingGroup ?? "", bySector["\(project.sectorWorkingGroup ?? "")\u{0}\(e.year)"] ?? []),
                ("development partner", project.partner ?? "", byPartner["\(project.partner ?? "")\u{0}\(e.year)"] ?? []),
            ]
            // The sector group when it is large enough, else the partner's projects.
            guard let (label, groupName, group) = candidates.first(where: { $0.2.count - 1 >= minimumPeers }) else { continue }
            let peers = group.filter { $0.project != e.project }.map(\.rateBasisPoints)
            let median = Self.median(peers)
            let deviation = e.rateBasisPoints - median
            guard abs(deviation) >= minimumDeviation else { continue }
            // Without spread among the peers any distance is abnormal; the minimum deviation guards it.
            let z = Self.modifiedZHundredths(deviation, peers: peers, median: median)
            if let z, abs(z) < threshold { continue }
            let direction = deviation > 0 ? "above" : "below"
            let score = min(100, (deviation > 0 ? 40 : 25) + Int(min(abs(z ?? 2000), 2000) / 50))
            let distance = z.map { "modified z-score \(Self.hundredths($0))" } ?? "every peer is at the median"
            hits.append(RuleHit(
                subject: .portfolio(.project, e.project), evidence: e.evidence, amount: e.disbursed, score: score,
                explanation: "Project \(e.project) disbursed \(Self.percent(e.rateBasisPoints)) of its \(e.year) plan "
                    + "(\(e.disbursed) of \(e.planned)), \(direction) the median \(Self.percent(median)) of \(peers.count) peer projects "
                    + "of \(label) \(groupName) (\(distance))."))
        }
        return hits
    }

    /// Every project-year with a positive plan and a known USD value of plan and disbursements,
    /// for years that are over: some payment in the portfolio is dated in a later year.
    static func executions(_ population: PopulationFacts) -> [Execution] {
        var out: [Execution] = []
        let latestYear = population.projects.values.flatMap { $0.payments.compactMap { $0.date?.year } }.max() ?? Int.min
        for id in population.projectIDs {
            let project = population.projects[id]!
            let plansByYear = Dictionary(grouping: project.budgets.values) { $0.periodStart.year }
            for year in plansByYear.keys.sorted() where year < latestYear {
                let plans = plansByYear[year]!.sorted { ($0.line, $0.periodStart) < ($1.line, $1.periodStart) }
                let paid = project.payments.filter { $0.kind == .disbursement && $0.date?.year == year }
                guard let planned = population.usdTotal(plans.map(\.amount)), planned.tenThousandths > 0,
                      let disbursed = population.usdTotal(paid.map(\.amount)) else { continue }
                out.append(Execution(
                    project: id, year: year, rateBasisPoints: disbursed.tenThousandths * 10_000 / planned.tenThousandths,
                    disbursed: disbursed, planned: planned, evidence: (plans.flatMap(\.seqs) + paid.map(\.seq)).sorted()))
            }
        }
        return out
    }

    /// The median of integers (the lower middle's and upper middle's mean, rounded toward zero).
    static func median(_ values: [Int128]) -> Int128 {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// 100 × 0.6745 × deviation / MAD, or 100 × deviation / (1.2533 × mean absolute deviation)
    /// when the MAD is zero; nil when every peer has the same rate (no spread to measure against).
    static func modifiedZHundredths(_ deviation: Int128, peers: [Int128], median: Int128) -> Int128? {
        let absolute = peers.map { abs($0 - median) }
        let mad = Self.median(absolute)
        if mad > 0 { return deviation * 6745 / (mad * 100) }
        let sum = absolute.reduce(0, +)
        guard sum > 0 else { return nil }
        // mean = sum / n; z = deviation / (1.2533 × mean) = deviation × n × 10000 / (12533 × sum).
        return deviation * Int128(peers.count) * 10_000 * 100 / (12_533 * sum)
    }

    static func percent(_ basisPoints: Int128) -> String {
        let tenths = basisPoints / 10
        return "\(tenths / 10).\(abs(tenths % 10)) %"
    }

    static func hundredths(_ value: Int128) -> String {
        let sign = value < 0 ? "-" : ""
        let a = abs(value)
        return "\(sign)\(a / 100).\(a % 100 < 10 ? "0" : "")\(a % 100)"
    }
}
