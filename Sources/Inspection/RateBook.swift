import EventLog
import ODA

/// The exchange rates recorded in the ledger (`ExchangeRateRecorded`, base USD), by the seq that
/// recorded them. A flag converts with the latest rate recorded no later than its last evidence
/// event, so its USD figure does not change when a later rate arrives and a rebuild agrees.
public struct RateBook: Sendable {
    private var rates: [String: [(seq: Int64, rate: ExchangeRate)]] = [:]

    public init() {}

    /// Adds the rate an `ExchangeRateRecorded` event carries; other events and rates not based
    /// on USD are ignored.
    public mutating func record(_ envelope: EventEnvelope) {
        guard envelope.type == "ExchangeRateRecorded",
              let rate = try? ExchangeRate(recorded: envelope.payload), rate.base == .usd else { return }
        rates[rate.quote.code, default: []].append((envelope.seq, rate))
    }

    /// `amount` in USD with the latest rate recorded at or before `seq`; nil when none was.
    public func usd(_ amount: Amount, asOf seq: Int64) -> Amount? {
        if amount.currency == .usd { return amount }
        guard let rate = rates[amount.currency.code]?.last(where: { $0.seq <= seq })?.rate else { return nil }
        return try? amount.converted(with: rate).result
    }

    /// `amount` in kip: as is when it is in kip, else through USD with the rates recorded at or
    /// before `seq`; nil when a rate is missing.
    public func lak(_ amount: Amount, asOf seq: Int64) -> Amount? {
        if amount.currency == .lak { return amount }
        guard let usd = usd(amount, asOf: seq),
              let rate = rates[CurrencyCode.lak.code]?.last(where: { $0.seq <= seq })?.rate else { return nil }
        return try? usd.converted(with: rate).result
    }
}
