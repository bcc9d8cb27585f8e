/// The rules the ledger runs. Subject rules look at one project's events and are kept current
/// by `FlagProjector` on every append.
public enum RuleCatalogue {
    public static let subjectRules: [any Rule] = [
        DisbursementAboveCommitment(), BudgetRevisionAfterLock(), SerialRevisions(), SpendingAboveAnnualBudget(),
        OutsideProjectWindow(), Reversals(), ExactDuplicatePayments(), RoundAmounts(), SelfApproval(),
        BackDatedEntries(), OffHoursPostings(), SplittingBelowThreshold(), NearDuplicatePayments(),
        CounterpartShortfall(), YearEndSpike(), PayeeConcentration(),
    ]
}
