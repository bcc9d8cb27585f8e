import ODA

/// A rule that can keep its judgement of one project as a running state (sums, counts, ordered
/// evidence), so that an append folds its new facts in at a cost that follows the facts, not the
/// project's length, where `evaluate` would pass over every transaction again.
///
/// `evaluate` stays the reference: the equality tests hold a running judgement folded batch by
/// batch to `evaluate` over the same history, for generated ledgers with reversals, several
/// currencies, rate changes and `RuleConfigured` changes.
protocol RunningRule: Rule {
    /// The judgement of `history` with `parameters`, ready to follow the project's next facts.
    func running(_ history: ProjectHistory, parameters: [String: Int64]) -> any RunningJudgement
}

/// One rule's running judgement of one project, valid for the parameters it was built with and
/// the rates in force at the project's last event when it was built: `RuleEngine` builds it again
/// whenever either changes (for new rates, unless it converts the amounts they concern again,
/// `rerate`), so the USD figures it holds never go stale.
protocol RunningJudgement: Sendable {
    /// Folds in `fact`, a new fact of the project; `history` already holds it (and any later
    /// facts of the same batch, which are folded in after it). Returns false when the judgement
    /// cannot follow this fact (a new project window); the engine then builds it again from
    /// `history`.
    mutating func apply(_ fact: ProjectFact, in history: ProjectHistory) -> Bool
    /// The rule's hits on `history` as it stands: exactly what `evaluate(history, parameters:)` gives.
    func hits(in history: ProjectHistory) -> [RuleHit]
    /// Whether an amount beyond what `RunningTotal` adds exactly was met: the engine then judges
    /// the rule with `evaluate` instead.
    var outOfRange: Bool { get }
    /// Raised by every change that can alter `hits`: while it stays the same across an append (and
    /// the rates and parameters stay the same), the rule's flags are kept as they are, without
    /// judging them again. Most appends change a few judgements only (an expenditure posted in
    /// working hours, on time, of an odd amount, leaves four of them as they were).
    var revision: Int { get }
    /// Converts again, with the rates in force at the project's last seq, the amounts it holds in
    /// `currencies` (those whose rates were recorded since it was built or last converted; other
    /// amounts convert alike), so that it stands as one built now from the same facts would.
    /// Returns false when it cannot, and the engine builds it again (the default).
    mutating func rerate(_ currencies: Set<CurrencyCode>, in history: ProjectHistory) -> Bool
    /// Looks at the project's clock (its last seq and recording time), for a rule whose hits read
    /// it (`RuleInputs.readsClock`): called after every append of the project, it raises
    /// `revision` when what the hits read of the clock moved.
    mutating func observe(_ history: ProjectHistory)
}

extension RunningJudgement {
    mutating func observe(_ history: ProjectHistory) {}
    mutating func rerate(_ currencies: Set<CurrencyCode>, in history: ProjectHistory) -> Bool { false }
}

/// A running judgement over a filtered set of the project's transactions: it is built by
/// including every transaction of the history (reversed ones marked so), and follows a new
/// transaction by including it as it arrived, and a reversal by excluding the transaction named.
protocol TransactionJudgement: RunningJudgement {
    var revision: Int { get set }
    /// Takes in `t` if the rule counts it (a judgement of live transactions skips reversed ones);
    /// returns whether the hits can have changed: false when it was not taken in, or taken in
    /// where no hit can read it (a year without December payments, a year without a budget).
    @discardableResult
    mutating func include(_ t: ProjectHistory.Transaction, in history: ProjectHistory) -> Bool
    /// Lets go of the transaction at `seq` if it was taken in and the rule counts live ones only;
    /// returns whether the hits can have changed.
    @discardableResult
    mutating func exclude(_ seq: Int64) -> Bool
}

extension TransactionJudgement {
    mutating func apply(_ fact: ProjectFact, in history: ProjectHistory) -> Bool {
        applyTransaction(fact, in: history)
        return true
    }

    /// Includes every transaction of `history` as it stands.
    mutating func include(all history: ProjectHistory) {
        for t in history.transactions { include(t, in: history) }
    }

    /// Folds in a new transaction or reversal, raising `revision` when taking it in or letting it
    /// go can have changed the hits; other facts change nothing.
    mutating func applyTransaction(_ fact: ProjectFact, in history: ProjectHistory) {
        if fact.kind == .reversal {
            if let seq = fact.number, exclude(seq) { revision += 1 }
        } else if let t = history.arrived(fact), include(t, in: history) {
            revision += 1
        }
    }
}

extension ProjectHistory {
    /// The transaction `fact` recorded, with `reversed` as it stood when the fact arrived (a
    /// reversal later in the same batch is folded into a running judgement as a fact of its own);
    /// nil when the fact is no transaction the history kept.
    func arrived(_ fact: ProjectFact) -> Transaction? {
        guard fact.isTransaction, var t = transaction(at: fact.seq) else { return nil }
        t.reversed = reversals.contains { $0.reversed == fact.seq && $0.seq < fact.seq }
        return t
    }
}

/// The running form of `ProjectHistory.total(_:asOf:)` over a changing set of amounts: adding
/// or removing one costs O(1), and `total` equals `history.total` of the amounts present, in
/// their own currency when they share one, else in USD (nil when a rate is missing).
///
/// Exact because integer sums do not depend on their order: `history.total` adds in seq order
/// and fails on an overflow along the way, which no order can reach while every amount stays
/// below 2^100 in magnitude (with fewer than 2^26 amounts). A larger amount, never seen in a
/// ledger, sets `outOfRange`, and the engine then judges the rule with `evaluate`.
struct RunningTotal: Sendable {
    /// Per currency present: its count and sum (a few currencies, so a short list beats hashing codes).
    private var byCurrency: [(currency: CurrencyCode, count: Int, sum: Int128)] = []
    private var usd: Int128 = 0
    private var unconverted = 0
    private(set) var count = 0
    private(set) var outOfRange = false

    private static let limit = Int128(1) << 100

    /// Adds `amount`, with its USD value at the project's last seq (nil without a rate).
    mutating func add(_ amount: Amount, usd converted: Amount?) {
        guard Self.fits(amount), converted.map(Self.fits) ?? true else { outOfRange = true; return }
        count += 1
        if let i = byCurrency.firstIndex(where: { $0.currency == amount.currency }) {
            byCurrency[i].count += 1
            byCurrency[i].sum += amount.tenThousandths
        } else {
            byCurrency.append((amount.currency, 1, amount.tenThousandths))
        }
        if let converted { usd += converted.tenThousandths } else { unconverted += 1 }
    }

    /// Removes an amount added before, with the same USD value.
    mutating func remove(_ amount: Amount, usd converted: Amount?) {
        guard Self.fits(amount), converted.map(Self.fits) ?? true,
              let i = byCurrency.firstIndex(where: { $0.currency == amount.currency }) else { outOfRange = true; return }
        count -= 1
        byCurrency[i].count -= 1
        byCurrency[i].sum -= amount.tenThousandths
        if byCurrency[i].count == 0 { byCurrency.remove(at: i) }
        if let converted { usd -= converted.tenThousandths } else { unconverted -= 1 }
    }

    /// Whether the amounts are in more than one currency.
    var isMixed: Bool { byCurrency.count > 1 }

    /// `history.total` of the amounts: nil when there are none or a needed rate is missing.
    var total: Amount? {
        guard count > 0 else { return nil }
        if byCurrency.count == 1 { return Amount(tenThousandths: byCurrency[0].sum, currency: byCurrency[0].currency) }
        return usdTotal
    }

    /// The amounts converted one by one to USD and added up; nil when there are none or a rate is missing.
    var usdTotal: Amount? {
        guard count > 0, unconverted == 0 else { return nil }
        return Amount(tenThousandths: usd, currency: .usd)
    }

    private static func fits(_ amount: Amount) -> Bool {
        amount.tenThousandths < limit && amount.tenThousandths > -limit
    }
}

/// Seqs kept ascending under insertion and removal (evidence lists of a running judgement).
struct SortedSeqs: Sendable {
    private(set) var values: [Int64] = []

    var isEmpty: Bool { values.isEmpty }
    var count: Int { values.count }

    mutating func insert(_ seq: Int64) {
        if let last = values.last, last >= seq {
            values.insert(seq, at: index(of: seq))
        } else {
            values.append(seq)
        }
    }

    func contains(_ seq: Int64) -> Bool {
        let i = index(of: seq)
        return i < values.count && values[i] == seq
    }

    mutating func remove(_ seq: Int64) {
        let i = index(of: seq)
        if i < values.count, values[i] == seq { values.remove(at: i) }
    }

    private func index(of seq: Int64) -> Int {
        values.partitionPoint { $0 < seq }
    }
}
