import EventLog

/// A budget line's period as the projection holds it: the original plan, the current value and
/// how many revisions led there.
public struct BudgetLine: Sendable, Equatable {
    public let budgetLineId: String
    public let periodStart: String
    public let periodEnd: String
    public let description: String?
    public let original: Amount
    public let current: Amount
    public let revisionCount: Int
    public let isLocked: Bool
    public let lastDecisionReference: String?
}

/// A financing agreement with its current amount.
public struct FinancingAgreement: Sendable, Equatable {
    public let agreementId: String
    public let partner: String?
    public let instrument: String?
    public let signedDate: String?
    public let amount: Amount
    public let amendmentCount: Int
}

/// A commitment, disbursement, expenditure or counterpart contribution, with the seq of the
/// reversal that cancelled it, if any.
public struct ProjectTransaction: Sendable, Equatable {
    public let seq: Int64
    public let transactionId: String?
    public let kind: TransactionKind
    public let date: String?
    public let fiscalYear: Int64?
    public let amount: Amount
    public let counterparty: String?
    public let reversedBy: Int64?
    public var isReversed: Bool { reversedBy != nil }
}

/// One share of a sector or province allocation.
public struct AllocationShare: Sendable, Equatable {
    public let code: String
    public let percentage: Percentage
}

/// The state of one project as the projection holds it at some position of the ledger, with its
/// audit trail up to that position.
public struct ProjectSnapshot: Sendable, Equatable {
    public let projectId: String
    public let title: String?
    public let partner: String?
    public let implementingAgency: String?
    public let sectorWorkingGroup: String?
    public let status: ProjectStatus
    public let plannedStart: String?
    public let plannedEnd: String?
    public let startDate: String?
    public let endDate: String?
    public let estimatedCost: Amount?
    public let approvingAuthority: String?
    public let approvalReference: String?
    public let approvalDate: String?
    public let selfApproved: Bool
    /// The seq of the last event that changed the project row.
    public let lastSeq: Int64
    public let sectors: [AllocationShare]
    public let provinces: [AllocationShare]
    public let budgetLines: [BudgetLine]
    public let agreements: [FinancingAgreement]
    public let transactions: [ProjectTransaction]
    public let history: [AuditEntry]

    /// The sum of the unreversed transactions of `kind`, one amount per currency, ordered by
    /// currency code (no currency appears when there is none).
    public func total(_ kind: TransactionKind) throws -> [Amount] {
        try Self.sumByCurrency(transactions.filter { $0.kind == kind && !$0.isReversed }.map(\.amount))
    }

    /// The current budget over all lines and periods, per currency.
    public func budgetTotal() throws -> [Amount] { try Self.sumByCurrency(budgetLines.map(\.current)) }

    static func sumByCurrency(_ amounts: [Amount]) throws -> [Amount] {
        var sums: [CurrencyCode: Amount] = [:]
        for amount in amounts { sums[amount.currency] = try (sums[amount.currency] ?? .zero(amount.currency)).adding(amount) }
        return sums.values.sorted { $0.currency.code < $1.currency.code }
    }
}
