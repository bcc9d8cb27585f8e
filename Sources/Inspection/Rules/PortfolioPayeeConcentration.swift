import ODA

/// One payee taking a large share of everything spent in a province, or by one implementing
/// agency, across several projects: the per-project `payee-concentration` cannot see a supplier
/// that wins a little in each of many projects. Judged per province (a project counts in full in
/// every province it is allocated to) and per implementing agency; a payee concentrated in
/// several groups is one flag, explained by its largest share.
public struct PortfolioPayeeConcentration: PopulationRule {
    public let id = "portfolio-payee-concentration"
    public let version = 1
    public let name = "Portfolio-wide payee concentration"
    public let rationale = "One payee receiving a large share of a province's or an agency's spending across projects suggests capture of procurement."
    public let severity = Severity.high
    public let parameters = [
        RuleParameter("shareBasisPoints", 3000, "share of the group's expenditure to one payee that raises a flag (3000 = 30 %)"),
        RuleParameter("minimumProjects", 2, "projects of the group that paid the payee"),
        RuleParameter("minimumPayees", 5, "distinct payees in the group before it is judged"),
    ]

    public init() {}

    public func evaluate(_ population: PopulationFacts, parameters: [String: Int64]) -> [RuleHit] {
        let share = Int128(parameters["shareBasisPoints"] ?? 3000)
        let minimumProjects = Int(parameters["minimumProjects"] ?? 2), minimumPayees = Int(parameters["minimumPayees"] ?? 5)
        var groups: [String: (label: String, projects: [String])] = [:]
        for id in population.projectIDs {
            let project = population.projects[id]!
            for province in project.provinces { groups["province \(province)", default: ("province \(province)", [])].projects.append(id) }
            if let agency = project.implementingAgency {
                groups["implementing agency \(agency)", default: ("implementing agency \(agency)", [])].projects.append(id)
            }
        }
        var hits: [RuleHit] = []
        for key in groups.keys.sorted() {
            let (label, members) = groups[key]!
            // Payments with a payee and a USD value; those without a rate cannot be compared.
            var total = Amount.zero(.usd)
            var byPayee: [String: (sum: Amount, seqs: [Int64], projects: Set<String>)] = [:]
            for id in members {
                for payment in population.projects[id]!.payments where payment.kind == .expenditure {
                    guard let payee = payment.payee, let usd = population.usd(payment.amount),
                          let newTotal = try? total.adding(usd) else { continue }
                    total = newTotal
                    var entry = byPayee[payee] ?? (.zero(.usd), [], [])
                    entry.sum = (try? entry.sum.adding(usd)) ?? entry.sum
                    entry.seqs.append(payment.seq)
                    entry.projects.insert(id)
                    byPayee[payee] = entry
                }
            }
            guard byPayee.count >= minimumPayees, total.tenThousandths > 0 else { continue }
            for payee in byPayee.keys.sorted() {
                let entry = byPayee[payee]!
                guard entry.projects.count >= minimumProjects, entry.sum.tenThousandths * 10_000 >= share * total.tenThousandths else { continue }
                let percent = Int(entry.sum.tenThousandths * 100 / total.tenThousandths)
                hits.append(RuleHit(
                    subject: .portfolio(.payee, payee), evidence: entry.seqs.sorted(), amount: entry.sum, score: min(100, 30 + percent),
                    explanation: "\(payee) received \(percent) % of the expenditure of \(label) (\(entry.sum) of \(total)) "
                        + "from \(entry.projects.count) projects, among \(byPayee.count) payees."))
            }
        }
        return hits
    }
}
