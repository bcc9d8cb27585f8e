import EventLog
import SQLite

/// Computes a `Portfolio` from the projection tables, exactly: sums with `Amount`, allocation
/// splits as amount × percentage rounded half-even to 10^-4, conversions through `Amount.converted`
/// (2 fraction digits) with the latest recorded rate effective on or before the figure's date
/// (a transaction's date, a budget period's start, 1 January of a counterpart's fiscal year).
struct PortfolioBuilder {
    enum Measure { case planned, committed, disbursed, spent }

    struct Figure {
        let project: String
        let year: Int64
        let date: String
        let measure: Measure
        let amount: Amount
    }

    let db: ProjectionDatabase

    init(_ db: ProjectionDatabase) { self.db = db }

    func build(by dimension: PortfolioDimension, year: Int64?, currency target: CurrencyCode?) throws -> Portfolio {
        var partners: [String: String] = [:]
        try db.query("SELECT project_id, partner FROM proj_projects") { partners[$0.text(at: 0)] = $0.optionalText(at: 1) }
        var allocations: [String: [(String, Percentage)]] = [:]
        if dimension == .sector || dimension == .province {
            try db.query("SELECT project_id, code, percentage FROM proj_allocations WHERE kind = ?1 ORDER BY project_id, code",
                         [.text(dimension.rawValue)]) { s in
                allocations[s.text(at: 0), default: []].append((s.text(at: 1), try Percentage(s.text(at: 2))))
            }
        }
        let converter = try target.map { target throws in try RateBook(db, target: target) }

        var sums: [String: [CurrencyCode: [Measure: Amount]]] = [:]
        for figure in try figures() where year == nil || figure.year == year {
            let amount = try converter.map { try $0.convert(figure.amount, on: figure.date) } ?? figure.amount
            let shares: [(String, Int128)]
            switch dimension {
            case .partner: shares = [(partners[figure.project].flatMap { $0 } ?? "(none)", Percentage.wholeInTenThousandths)]
            case .year: shares = [(String(figure.year), Percentage.wholeInTenThousandths)]
            case .sector, .province:
                let list = allocations[figure.project] ?? []
                shares = list.isEmpty ? [("(unallocated)", Percentage.wholeInTenThousandths)] : list.map { ($0.0, $0.1.tenThousandths) }
            }
            for (key, share) in shares {
                let part = Amount(tenThousandths: (amount.tenThousandths * share).dividedRoundingHalfEven(by: Percentage.wholeInTenThousandths),
                                  currency: amount.currency)
                let current = sums[key, default: [:]][amount.currency, default: [:]][figure.measure] ?? .zero(amount.currency)
                sums[key, default: [:]][amount.currency, default: [:]][figure.measure] = try current.adding(part)
            }
        }
        func row(_ key: String, _ currency: CurrencyCode, _ measures: [Measure: Amount]) -> PortfolioRow {
            PortfolioRow(key: key, planned: measures[.planned] ?? .zero(currency), committed: measures[.committed] ?? .zero(currency),
                         disbursed: measures[.disbursed] ?? .zero(currency), spent: measures[.spent] ?? .zero(currency))
        }
        var rows: [PortfolioRow] = []
        var totals: [CurrencyCode: [Measure: Amount]] = [:]
        for key in sums.keys.sorted() {
            for (currency, measures) in sums[key, default: [:]].sorted(by: { $0.key.code < $1.key.code }) {
                rows.append(row(key, currency, measures))
                for (measure, amount) in measures {
                    totals[currency, default: [:]][measure] = try (totals[currency]?[measure] ?? .zero(currency)).adding(amount)
                }
            }
        }
        let totalRows = totals.sorted { $0.key.code < $1.key.code }.map { row("total", $0.key, $0.value) }
        return Portfolio(dimension: dimension, year: year, rows: rows, totals: totalRows,
                         ratesUsed: converter?.used.sorted { ($0.effectiveDate, $0.seq) < ($1.effectiveDate, $1.seq) } ?? [])
    }

    /// Every budget period and unreversed commitment, disbursement and expenditure.
    func figures() throws -> [Figure] {
        var figures: [Figure] = []
        try db.query("SELECT project_id, period_start, current, currency FROM proj_budget_lines") { s in
            let start = s.text(at: 1)
            figures.append(Figure(project: s.text(at: 0), year: Int64(start.prefix(4)) ?? 0, date: start, measure: .planned,
                                  amount: try Amount(s.text(at: 2), currency: s.text(at: 3))))
        }
        try db.query("""
            SELECT project_id, kind, date, fiscal_year, amount, currency FROM proj_transactions
            WHERE reversed_by IS NULL AND kind IN ('commitment', 'disbursement', 'expenditure')
            """) { s in
            let measure: Measure = switch s.text(at: 1) { case "commitment": .committed; case "disbursement": .disbursed; default: .spent }
            let year = s.optionalInt64(at: 3) ?? 0
            figures.append(Figure(project: s.text(at: 0), year: year, date: s.optionalText(at: 2) ?? "\(year)-01-01",
                                  measure: measure, amount: try Amount(s.text(at: 4), currency: s.text(at: 5))))
        }
        return figures
    }
}

/// The recorded exchange rates, for converting into one target currency.
final class RateBook {
    let target: CurrencyCode
    /// Rates touching the target, by the other currency, ordered by (effective date, seq).
    private var rates: [CurrencyCode: [RateUsed]] = [:]
    private(set) var used: Set<RateUsed> = []

    init(_ db: ProjectionDatabase, target: CurrencyCode) throws {
        self.target = target
        try db.query("SELECT base, quote, effective_date, seq, rate FROM proj_exchange_rates ORDER BY effective_date, seq") { s in
            let rate = try ExchangeRate(base: try CurrencyCode(s.text(at: 0)), quote: try CurrencyCode(s.text(at: 1)), rate: s.text(at: 4))
            guard rate.base == target || rate.quote == target else { return }
            let other = rate.base == target ? rate.quote : rate.base
            rates[other, default: []].append(RateUsed(rate: rate, effectiveDate: s.text(at: 2), seq: s.int64(at: 3)))
        }
    }

    func convert(_ amount: Amount, on date: String) throws -> Amount {
        guard amount.currency != target else { return amount }
        guard let rate = rates[amount.currency]?.last(where: { $0.effectiveDate <= date }) else {
            throw PortfolioError.noRate(from: amount.currency.code, to: target.code, date: date)
        }
        used.insert(rate)
        return try amount.converted(with: rate.rate).result
    }
}
