import EventLog
import SQLite

/// How the portfolio is grouped.
public enum PortfolioDimension: String, Sendable, CaseIterable {
    /// By the project's development partner.
    case partner
    /// By DAC 5-digit sector, each figure split by the project's sector allocation.
    case sector
    /// By ISO 3166-2:LA province, each figure split by the project's location allocation.
    case province
    /// By fiscal year (the Lao fiscal year is the calendar year).
    case year
}

/// Plan against actual for one group in one currency.
///
/// `planned` is the current annual budget (budget periods by the year they start in);
/// `committed`, `disbursed` and `spent` sum unreversed transactions by fiscal year. The execution
/// rates divide disbursed and spent by planned.
public struct PortfolioRow: Sendable, Equatable {
    public let key: String
    public let planned: Amount
    public let committed: Amount
    public let disbursed: Amount
    public let spent: Amount

    public var currency: CurrencyCode { planned.currency }
    /// Disbursed / planned in percent, one decimal, half-even (`"65.8"`); nil when nothing is planned.
    public var disbursementRate: String? { Self.rate(disbursed, of: planned) }
    /// Spent / planned in percent, one decimal, half-even; nil when nothing is planned.
    public var spendRate: String? { Self.rate(spent, of: planned) }

    static func rate(_ part: Amount, of whole: Amount) -> String? {
        guard whole.tenThousandths != 0 else { return nil }
        return (part.tenThousandths * 1000).dividedRoundingHalfEven(by: whole.tenThousandths).decimalText(scale: 1)
    }
}

/// A recorded rate a conversion used, shown beside converted figures.
public struct RateUsed: Sendable, Hashable {
    public let rate: ExchangeRate
    public let effectiveDate: String
    public let seq: Int64
    public var description: String { "\(rate) effective \(effectiveDate) (seq \(seq))" }
}

/// The ODA portfolio: plan against actual by partner, sector, province or year, per currency or
/// converted to one currency through recorded exchange rates only.
public struct Portfolio: Sendable, Equatable {
    public let dimension: PortfolioDimension
    public let year: Int64?
    /// Rows ordered by key, then currency.
    public let rows: [PortfolioRow]
    /// One row per currency with the whole portfolio (key `total`).
    public let totals: [PortfolioRow]
    /// Every rate a conversion used, ordered by effective date.
    public let ratesUsed: [RateUsed]
}

public enum PortfolioError: Error, Equatable, CustomStringConvertible {
    case noRate(from: String, to: String, date: String)

    public var description: String {
        switch self {
        case let .noRate(from, to, date):
            return "no exchange rate between \(from) and \(to) effective on or before \(date): record one with ExchangeRateRecorded "
                + "(e.g. baseCurrency USD, quoteCurrency LAK on stream fx:LAK), or report without --currency"
        }
    }
}

extension EventStore {
    /// The portfolio as of `point`: from the live tables when they are at the head, else from a
    /// replay into memory (so any past point can be reported).
    public func portfolio(by dimension: PortfolioDimension, year: Int64? = nil, currency: CurrencyCode? = nil,
                          asOf point: PointInTime = .head) throws -> Portfolio {
        if point == .head {
            let live = try withProjectionSnapshot { db -> Portfolio?? in
                guard try ProjectionStatus.isCurrent(db) else { return .none }
                return .some(try PortfolioBuilder(db).build(by: dimension, year: year, currency: currency))
            }
            if let live, let live { return live }
        }
        return try withReplayedProjection(through: try point.position(in: self), including: point.includes) { db in
            try PortfolioBuilder(db).build(by: dimension, year: year, currency: currency)
        }
    }
}
