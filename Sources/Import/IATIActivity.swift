/// What the importer takes from one `iati-activity`, each part with the line it came from.
///
/// Only what the ODA catalogue can hold is kept; the rest of the activity (documents, results,
/// policy markers, contacts …) stays in the published file, whose SHA-256 the provenance event records.
public struct IATIActivity: Sendable, Equatable {
    public struct Budget: Sendable, Equatable {
        /// BudgetType: 1 original, 2 revised.
        public let type: String
        public let periodStart: String
        public let periodEnd: String
        public let amount: String
        public let currency: String
        public let line: Int
    }

    public struct Transaction: Sendable, Equatable {
        /// TransactionType code: 1 incoming funds, 2 commitment, 3 disbursement, 4 expenditure, 11 incoming commitment …
        public let type: String
        public let date: String
        public let amount: String
        public let currency: String
        public let reference: String?
        public let providerRef: String?
        public let receiverName: String?
        public let receiverRef: String?
        public let line: Int
    }

    public struct Sector: Sendable, Equatable {
        public let code: String
        public let percentage: String?
        public let line: Int
    }

    public struct Location: Sendable, Equatable {
        public let name: String
        public let line: Int
    }

    /// An organisation the activity names (reporting-org, then each participating-org).
    public struct Organisation: Sendable, Equatable {
        /// The ledger id made from `@ref`.
        public let id: String
        /// IATI OrganisationType code, when published.
        public let type: String?
        public let name: String?
        /// OrganisationRole code (1 funding, 2 accountable, 3 extending, 4 implementing); nil for the reporting org.
        public let role: String?
        public let line: Int
    }

    /// The IATI identifier as published.
    public let iatiIdentifier: String
    /// The ledger project id (see `ImportIdentifier`).
    public let projectId: String
    public let reportingOrg: String
    public let title: String
    public let description: String?
    public let implementingOrg: String?
    /// `hierarchy` attribute (1 = top level, 2 = output/component …); default 1.
    public let hierarchy: String
    public let parentIdentifier: String?
    public let activityStatus: String?
    public let plannedStart: String
    public let plannedEnd: String
    public let defaultCurrency: String?
    public let budgets: [Budget]
    public let transactions: [Transaction]
    public let sectors: [Sector]
    public let locations: [Location]
    public let organisations: [Organisation]
    /// Lines of `planned-disbursement` elements: the catalogue has no event for them, so the
    /// importer reports them as skipped rather than drop them silently.
    public let plannedDisbursementLines: [Int]
    public let line: Int
}
