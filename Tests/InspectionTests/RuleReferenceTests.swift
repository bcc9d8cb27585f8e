import ODA
import XCTest
@testable import Inspection

/// Rules rewritten for speed give exactly what their plain first version gave, kept here as the
/// reference, over generated histories and a spread of parameters.
final class RuleReferenceTests: XCTestCase {
    /// `NearDuplicatePayments` as first written: every pair of one payee's payments judged.
    private func nearDuplicateReference(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let tolerance = Int128(parameters["toleranceBasisPoints"] ?? 100), window = parameters["windowDays"] ?? 7
        let payments = history.live(.expenditure).filter { $0.payee != nil && $0.date != nil }
        var evidence: [String: Set<Int64>] = [:]
        for own in Dictionary(grouping: payments, by: \.payeeKey).values {
            let payee = own[0].payee!
            let day = own.map { days($0.date!) }
            for i in own.indices {
                let a = own[i]
                for j in (i + 1)..<own.count {
                    let b = own[j]
                    let exact = a.amount == b.amount && a.date == b.date
                    let sameInvoice = a.invoice != nil && a.invoice == b.invoice
                    let close = a.amount.currency == b.amount.currency && abs(day[i] - day[j]) <= window
                        && abs(a.amount.tenThousandths - b.amount.tenThousandths) * 10_000 <= tolerance * max(a.amount.tenThousandths, b.amount.tenThousandths)
                    guard !exact, sameInvoice || close else { continue }
                    evidence[payee, default: []].formUnion([a.seq, b.seq])
                }
            }
        }
        return evidence.keys.sorted().map { payee in
            let seqs = evidence[payee]!.sorted()
            let amounts = payments.filter { seqs.contains($0.seq) }.map(\.amount)
            return RuleHit(subject: Subject(kind: .payee, name: payee, project: history.project), evidence: seqs,
                           amount: history.total(amounts, asOf: history.lastSeq), score: min(100, 40 + 10 * seqs.count),
                           explanation: "\(seqs.count) payments to \(payee) repeat an invoice number or nearly repeat an amount "
                               + "within \(window) days.")
        }
    }

    func testNearDuplicatesEqualTheAllPairsReference() {
        var hits = 0
        for seed in 1...8 as ClosedRange<UInt64> {
            let events = IncrementalEngineTests.envelopes(seed: seed, projects: 2, steps: 400)
            var rates = RateBook()
            var histories: [String: ProjectHistory] = [:]
            for e in events {
                if e.stream.hasPrefix("project:") { histories[e.stream, default: ProjectHistory(project: e.stream)].apply(e) }
                else { rates.record(e) }
            }
            for var history in histories.values {
                history.rates = rates
                for (tolerance, window) in [(100, 7), (0, 0), (500, 30), (2_000, 400), (100, -1)] as [(Int64, Int64)] {
                    let parameters = ["toleranceBasisPoints": tolerance, "windowDays": window]
                    let expected = nearDuplicateReference(history, parameters: parameters)
                    XCTAssertEqual(NearDuplicatePayments().evaluate(history, parameters: parameters), expected, "seed \(seed) \(parameters)")
                    hits += expected.count
                }
            }
        }
        XCTAssertGreaterThan(hits, 20)
    }
}
