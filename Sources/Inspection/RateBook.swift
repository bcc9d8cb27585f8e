import EventLog
import ODA

/// The exchange rates recorded in the ledger (`ExchangeRateRecorded`, base USD), by the seq that
/// recorded them. A flag converts with the latest rate recorded no later than its last evidence
/// event, so its USD figure does not change when a later rate arrives and a rebuild agrees.
public struct RateBook: Sendable {
    private var rates: [String: [(seq: Int64, rate: ExchangeRate)]] = [:]

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
        rates[rate.quote.code, default: []].append((seq, rate))
    }

    /// The latest rate of `currency` recorded at or before `seq`: a binary search, as a project's
    /// rules ask for it many times per evaluation.
    private func rate(_ currency: CurrencyCode, asOf seq: Int64) -> ExchangeRate? {
        guard let list = rates[currency.code] else { return nil }
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].seq <= seq { low = mid + 1 } else { high = mid }
        }
        return low > 0 ? list[low - 1].rate : nil
    }

    /// `amount` in USD with the latest rate recorded at or before `seq`; nil when none was.
    public func usd(_ amount: Amount, asOf seq: Int64) -> Amount? {
        if amount.currency == .usd { return amount }
        guard let rate = rate(amount.currency, asOf: seq) else { return nil }
        return try? amount.converted(with: rate).result
    }

    /// `amount` in kip: as is when it is in kip, else through USD with the rates recorded at or
    /// before `seq`; nil when a rate is missing.
    public func lak(_ amount: Amount, asOf seq: Int64) -> Amount? {
        if amount.currency == .lak { return amount }
        guard let usd = usd(amount, asOf: seq), let rate = rate(.lak, asOf: seq) else { return nil }
        return try? usd.converted(with: rate).result
    }
}
