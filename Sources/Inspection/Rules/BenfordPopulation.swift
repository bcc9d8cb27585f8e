import Foundation
import ODA

/// `BenfordTest` as a population rule: the payments (live disbursements and expenditures) of
/// each implementing agency's projects, tested together; an agency whose first digits (or first
/// two digits) do not conform to Benford's law by Nigrini's limits is flagged, with the payments
/// of the most over-represented digits as evidence. Invented or threshold-driven amounts pile
/// up on a few digits; honest payments of many sizes follow the law.
///
/// Version 2 (both tests): the evidence is the densest cluster of the over-represented digits
/// (payments in the narrow value band shared with the most others, then the largest), which is
/// where amounts bunched below a threshold sit; version 1 took the largest payments, which for
/// bunching below a small threshold are background payments that merely share a leading digit.
/// The two-digit test's minimum sample rises from 1,000 to 3,000: a sample of 1,000 drawn exactly
/// from Benford's law has an expected two-digit MAD of about 0.0025, above Nigrini's limit 0.0022,
/// so version 1 flagged agencies whose payments conform perfectly (at 3,000 the expectation is
/// 0.0015; first digit at 1,000: 0.0074 against 0.015).
public struct BenfordPopulation: PopulationRule {
    public let kind: BenfordTest.Kind
    public var id: String { kind.rawValue }
    public let version = 2
    public var name: String { kind == .firstDigit ? "Benford first-digit test" : "Benford first-two-digits test" }
    public let rationale = "Payments whose leading digits depart from Benford's law may be invented, split to stay under a threshold, or copied."
    public let severity = Severity.low
    public var parameters: [RuleParameter] {
        [RuleParameter("minimumSample", Int64(Self.defaultMinimumSample(kind)),
                       "payments of at least minimumAmount before an agency is judged (first digit 1,000; two digits 3,000)"),
         RuleParameter("madLimitMillionths", kind == .firstDigit ? 15_000 : 2_200,
                       "mean absolute deviation beyond which the digits do not conform (Nigrini's marginal limit)"),
         RuleParameter("minimumAmount", 10, "payments below this, in their own currency, are left out"),
         RuleParameter("maximumEvidence", 50, "largest payments of the over-represented digits kept as evidence")]
    }

    public init(_ kind: BenfordTest.Kind) {
        self.kind = kind
    }

    /// Where honest samples stop tripping the limit: the expected MAD of an exact Benford sample
    /// of n amounts, (1/k) Σ sqrt(2 p (1 − p) / (π n)), is 0.0074 (one digit) at 1,000 and 0.0015
    /// (two digits) at 3,000, against limits of 0.015 and 0.0022.
    static func defaultMinimumSample(_ kind: BenfordTest.Kind) -> Int { kind == .firstDigit ? 1000 : 3000 }

    /// The narrow value band of an amount: its currency, the number of digits before the decimal
    /// point, and its first three significant digits.
    static func band(_ payment: PopulationFacts.Payment) -> String {
        let text = payment.amount.canonicalText
        let whole = text.split(separator: ".", maxSplits: 1).first.map { $0.filter(\.isNumber).count } ?? 0
        let three = BenfordTest.leadingDigits(Substring(text), width: 3).map(String.init) ?? "-"
        return "\(payment.amount.currency.code) \(whole) \(three)"
    }

    public func evaluate(_ population: PopulationFacts, parameters: [String: Int64]) -> [RuleHit] {
        var test = BenfordTest(kind)
        test.minimumSample = Int(parameters["minimumSample"] ?? Int64(Self.defaultMinimumSample(kind)))
        test.minimumAmount = Decimal(parameters["minimumAmount"] ?? 10)
        let limit = Double(parameters["madLimitMillionths"] ?? (kind == .firstDigit ? 15_000 : 2_200)) / 1_000_000
        let maximumEvidence = Int(parameters["maximumEvidence"] ?? 50)
        var byAgency: [String: [PopulationFacts.Payment]] = [:]
        for id in population.projectIDs {
            let project = population.projects[id]!
            guard let agency = project.implementingAgency else { continue }
            byAgency[agency, default: []].append(contentsOf: project.payments)
        }
        let minimumUnits = Int128(parameters["minimumAmount"] ?? 10) * 10_000
        var hits: [RuleHit] = []
        for agency in byAgency.keys.sorted() {
            let payments = byAgency[agency]!.filter { abs($0.amount.tenThousandths) >= minimumUnits }
            let result = test.test(payments.map(\.amount.canonicalText))
            guard result.verdict != .insufficientSample, result.mad > limit else { continue }
            // The digit values with the largest excess over Benford's expectation (at most three).
            let range = kind.range
            let excess = range.map { d in (d, Double(result.observed[d - range.lowerBound]) - BenfordTest.expected(d) * Double(result.count)) }
            let worst = excess.filter { $0.1 > 0 }.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(3).map(\.0)
            let width = kind == .firstDigit ? 1 : 2
            let suspicious = payments.filter { p in
                BenfordTest.leadingDigits(Substring(p.amount.canonicalText), width: width).map(worst.contains) ?? false
            }
            // Densest cluster first: how many of the suspicious payments fall in each one's narrow
            // band (same currency and order of magnitude, same first three digits: 4,730,000 to
            // 4,739,999 kip); then the largest in USD; then the earliest.
            let bands = suspicious.map(Self.band)
            var density: [String: Int] = [:]
            for band in bands { density[band, default: 0] += 1 }
            let ranked = zip(suspicious, bands).map { ($0.0, density[$0.1] ?? 0, population.usd($0.0.amount)?.tenThousandths ?? -1) }
                .sorted { ($0.1, $0.2, $1.0.seq) > ($1.1, $1.2, $0.0.seq) }
            let evidence = ranked.prefix(maximumEvidence).map(\.0.seq).sorted()
            let madMillionths = Int((result.mad * 1_000_000).rounded())
            let score = min(100, 30 + Int((result.mad / limit - 1) * 50))
            hits.append(RuleHit(
                subject: .portfolio(.implementingAgency, agency), evidence: evidence,
                amount: population.usdTotal(suspicious.map(\.amount)), score: score,
                explanation: "The \(result.count) payments of implementing agency \(agency)'s projects do not follow Benford's law "
                    + "(\(kind == .firstDigit ? "first digit" : "first two digits"): mean absolute deviation \(madMillionths) millionths, "
                    + "limit \(Int((limit * 1_000_000).rounded()))); \(worst.map(String.init).joined(separator: ", ")) lead "
                    + "\(suspicious.count) payments, more than expected."))
        }
        return hits
    }
}
