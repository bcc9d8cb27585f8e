import EventLog
import ODA

/// The exchange rates recorded in the ledger (`ExchangeRateRecorded`, base USD), by the seq that
/// recorded them. A flag converts with the latest rate recorded no later than its last evidence
/// event, so its USD figure does not change when a later rate arrives and a rebuild agrees.
public struct RateBook: Sendable {
    /// Per quote currency, its rates in seq order. A ledger quotes a handful of currencies, so a
    /// short list compared by code beats hashing the code on each of the many conversions.
    private var rates: [(quote: CurrencyCode, entries: [Entry])] = []
    /// The seqs of every rate kept, ascending, and the quote currency of each.
    private var seqs: [Int64] = []
    private var quotes: [CurrencyCode] = []

    public init() {}

    /// Adds the rate an `ExchangeRateRecorded` event carries; other events and rates not based
    /// on USD are ignored. Returns the rate when it was added.
    @discardableResult
    public mutating func record(_ envelope: EventEnvelope) -> ExchangeRate? {
        guard envelope.type == "ExchangeRateRecorded",
              let rate = try? ExchangeRate(recorded: envelope.payload), rate.base == .usd else { return nil }
        record(rate, seq: envelope.seq)
        return rate
    }

    /// Adds a USD-based rate recorded at `seq` (seqs arrive in ascending order).
    public mutating func record(_ rate: ExchangeRate, seq: Int64) {
        guard rate.base == .usd else { return }
        if let i = rates.firstIndex(where: { $0.quote == rate.quote }) {
            rates[i].entries.append(Entry(seq: seq, rate: rate))
        } else {
            rates.append((rate.quote, [Entry(seq: seq, rate: rate)]))
        }
        seqs.append(seq)
        quotes.append(rate.quote)
    }

    /// The quote currencies of the rates recorded after `start` and at or before `end`: an
    /// amount in any other currency converts alike at both points.
    public func quotes(recordedAfter start: Int64, through end: Int64) -> Set<CurrencyCode> {
        var out: Set<CurrencyCode> = []
        var i = count(asOf: start)
        while i < seqs.count && seqs[i] <= end {
            out.insert(quotes[i])
            i += 1
        }
        return out
    }

    /// How many rates were recorded at or before `seq`: two points of a project with the same
    /// count convert every amount alike, so flags judged at the first need no re-judging for rates.
    public func count(asOf seq: Int64) -> Int {
        seqs.partitionPoint { $0 <= seq }
    }

    /// The latest rate of `currency` recorded at or before `seq`: a binary search, as a project's
    /// rules ask for it many times per evaluation.
    private func rate(_ currency: CurrencyCode, asOf seq: Int64) -> Entry? {
        guard let list = rates.first(where: { $0.quote == currency })?.entries else { return nil }
        let after = list.partitionPoint { $0.seq <= seq }
        return after > 0 ? list[after - 1] : nil
    }

    /// `amount` in USD with the latest rate recorded at or before `seq`; nil when none was.
    public func usd(_ amount: Amount, asOf seq: Int64) -> Amount? {
        if amount.currency == .usd { return amount }
        guard let entry = rate(amount.currency, asOf: seq) else { return nil }
        return entry.toBase(amount)
    }

    /// `amount` in kip: as is when it is in kip, else through USD with the rates recorded at or
    /// before `seq`; nil when a rate is missing.
    public func lak(_ amount: Amount, asOf seq: Int64) -> Amount? {
        if amount.currency == .lak { return amount }
        guard let usd = usd(amount, asOf: seq), let entry = rate(.lak, asOf: seq) else { return nil }
        return entry.fromBase(usd)
    }

    /// A recorded rate with the powers of ten its conversions need worked out once.
    ///
    /// Gives exactly what `Amount.converted(with:)` (two fraction digits, half-even) gives, nil
    /// where that throws: the same integer formula, with the division done in 64 bits whenever
    /// both operands fit (the usual case, and many times cheaper than a 128-bit division).
    /// `RateBookTests` holds the two to each other.
    struct Entry: Sendable {
        let seq: Int64
        let rate: ExchangeRate
        /// 10^(scale + 2): what a quote amount is multiplied by, and a base product divided by.
        private let power: Int128
        /// rate · 10^4, what a quote amount's product is divided by; nil when it overflows.
        private let divisor: Int128?

        init(seq: Int64, rate: ExchangeRate) {
            self.seq = seq
            self.rate = rate
            var power: Int128 = 1
            for _ in 0..<(rate.rate.scale + 2) { power *= 10 }
            self.power = power
            let (d, overflow) = rate.rate.significand.multipliedReportingOverflow(by: 10_000)
            self.divisor = overflow ? nil : d
        }

        /// A quote amount in the base currency (kip → USD).
        func toBase(_ amount: Amount) -> Amount? {
            guard let divisor else { return nil }
            let (numerator, overflow) = amount.tenThousandths.multipliedReportingOverflow(by: power)
            guard !overflow else { return nil }
            let (scaled, overflow2) = Self.dividedRoundingHalfEven(numerator, by: divisor).multipliedReportingOverflow(by: 100)
            return overflow2 ? nil : Amount(tenThousandths: scaled, currency: rate.base)
        }

        /// A base amount in the quote currency (USD → kip).
        func fromBase(_ amount: Amount) -> Amount? {
            let (product, overflow) = amount.tenThousandths.multipliedReportingOverflow(by: rate.rate.significand)
            guard !overflow else { return nil }
            let (scaled, overflow2) = Self.dividedRoundingHalfEven(product, by: power).multipliedReportingOverflow(by: 100)
            return overflow2 ? nil : Amount(tenThousandths: scaled, currency: rate.quote)
        }

        /// `n / d` rounded half to even (d > 0).
        static func dividedRoundingHalfEven(_ n: Int128, by d: Int128) -> Int128 {
            if let n64 = Int64(exactly: n), let d64 = Int64(exactly: d), n64 != .min {
                let (q, r) = n64.quotientAndRemainder(dividingBy: d64)
                if r == 0 { return Int128(q) }
                let twice = r.magnitude * 2
                if twice > d64.magnitude || (twice == d64.magnitude && q % 2 != 0) { return Int128(q + (n64 < 0 ? -1 : 1)) }
                return Int128(q)
            }
            let (q, r) = n.quotientAndRemainder(dividingBy: d)
            if r == 0 { return q }
            let twice = r.magnitude * 2
            if twice > d.magnitude || (twice == d.magnitude && q % 2 != 0) { return q + (n < 0 ? -1 : 1) }
            return q
        }
    }
}
