import Foundation
import ODA

/// `BenfordTest` as a population rule: the payments (live disbursements and expenditures) of
/// each implementing agency's projects, tested together; an agency whose first digits (or first
/// two digits) do not conform to Benford's law by Nigrini's limits is flagged, with the payments
/// of the most over-represented digits as evidence. Invented or threshold-driven amounts pile
/// up on a few digits; honest payments of many sizes follow the law.
public struct BenfordPopulation: PopulationRule {
    public let kind: BenfordTest.Kind
    public var id: String { kind.rawValue }
    public let version = 1
    public var name: String { kind == .firstDigit ? "Benford first-digit test" : "Benford first-two-digits test" }
    public let rationale = "Payments whose leading digits depart from Benford's law may be invented, split to stay under a threshold, or copied."
    public let severity = Severity.low
    public var parameters: [RuleParameter] {
        [RuleParameter("minimumSample", 1000, "payments of at least minimumAmount before an agency is judged (Nigrini: 1,000)"),
         RuleParameter("madLimitMillionths", kind == .firstDigit ? 15_000 : 2_200,
                       "mean absolute deviation beyond which the digits do not conform (Nigrini's marginal limit)"),
         RuleParameter("minimumAmount", 10, "payments below this, in their own currency, are left out"),
         RuleParameter("maximumEvidence", 50, "largest payments of the over-represented digits kept as evidence")]
    }

    public init(_ kind: BenfordTest.Kind) {
        self.kind = kind
    }

    public func evaluate(_ population: PopulationFacts, parameters: [String: Int64]) -> [RuleHit] {
        var test = BenfordTest(kind)
        test.minimumSample = Int(parameters["minimumSample"] ?? 1000)
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
            let ranked = suspicious.map { ($0, population.usd($0.amount)?.tenThousandths ?? -1) }
                .sorted { ($0.1, $1.0.seq) > ($1.1, $0.0.seq) }
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
