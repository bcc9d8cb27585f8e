/// One period of one budget line of a project, as planned and revised. A period lasts at most 12
/// months (`end` before `start` + 12 months) and never overlaps another period of the same line.
public struct BudgetPeriod: Sendable, Hashable {
    public let budgetLineId: String
    public let start: CalendarDate
    public let end: CalendarDate
    /// The current value: the planned amount, or the last revision's new amount.
    public var amount: Amount
    /// Whether revisions are closed (`BudgetPeriodLocked`) until a `BudgetReopenApproved`.
    public var isLocked: Bool

    /// The longest period allowed, in months.
    public static let maximumMonths = 12

    public static func isWithinMaximumLength(start: CalendarDate, end: CalendarDate) -> Bool {
        end < start.adding(months: maximumMonths)
    }

    public func overlaps(start otherStart: CalendarDate, end otherEnd: CalendarDate) -> Bool {
        start <= otherEnd && otherStart <= end
    }
}
