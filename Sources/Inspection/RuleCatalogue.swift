/// The rules the ledger runs. Subject rules look at one project's events and are kept current
/// by `FlagProjector` on every append; population rules judge the whole portfolio at a recorded
/// point (`PopulationEvaluation`), on demand and on a schedule.
public enum RuleCatalogue {
    public static let subjectRules: [any Rule] = [
        DisbursementAboveCommitment(), BudgetRevisionAfterLock(), SerialRevisions(), SpendingAboveAnnualBudget(),
        OutsideProjectWindow(), Reversals(), ExactDuplicatePayments(), RoundAmounts(), SelfApproval(),
        BackDatedEntries(), OffHoursPostings(), SplittingBelowThreshold(), NearDuplicatePayments(),
        CounterpartShortfall(), YearEndSpike(), PayeeConcentration(),
    ]

    public static let populationRules: [any PopulationRule] = [
        PeerExecutionRate(), PortfolioPayeeConcentration(), BenfordPopulation(.firstDigit), BenfordPopulation(.firstTwoDigits),
    ]

    /// What configuring a rule needs to know of it, for subject and population rules alike.
    public struct Entry: Sendable {
        public let id: String
        public let version: Int
        public let parameters: [RuleParameter]
    }

    /// Every rule, subject and population, by id order.
    public static var entries: [Entry] {
        (subjectRules.map { Entry(id: $0.id, version: $0.version, parameters: $0.parameters) }
            + populationRules.map { Entry(id: $0.id, version: $0.version, parameters: $0.parameters) }).sorted { $0.id < $1.id }
    }

    /// The ids of every rule, sorted.
    public static var ids: [String] { entries.map(\.id) }
}
