import EventLog
import ODA
import XCTest
@testable import Inspection

/// `ProjectHistory`'s lookups that keep no per-transaction index (the transaction at a seq is
/// found by halving the seq-ordered list; users are keyed through a last-user shortcut) and its
/// date reading without copying bytes, each against the plain reading it replaces.
final class ProjectHistoryLookupTests: XCTestCase {
    func testDateReadingEqualsCalendarDate() {
        var texts = ["2024-02-29", "2023-02-29", "2024-04-31", "2024-12-31", "0000-01-01", "0001-01-01", "9999-12-31", "2024-13-01",
                     "2024-00-10", "2024-1-01", "2024/01/01", "2024-01-1x", "+024-01-01", "2024-01-01 ", "", "٢٠٢٤-01-01",
                     "2024-0١-01", "20240-1-01", "2024-01-00", "ab", "2024-06-30T00:00:00Z"]
        var random: UInt64 = 5
        for _ in 0..<20_000 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            let year = Int(random >> 33) % 10_000, month = Int(random >> 20) % 14, day = Int(random >> 8) % 33
            texts.append(String(format: "%04d-%02d-%02d", year, month, day))
        }
        var valid = 0
        for text in texts {
            XCTAssertEqual(ProjectHistory.calendarDate(text), CalendarDate(text), text)
            if CalendarDate(text) != nil { valid += 1 }
        }
        XCTAssertGreaterThan(valid, 10_000)
    }

    func testTransactionLookupsEqualAScanOfTheTransactions() {
        var checked = 0, reversed = 0
        for seed in 1...4 as ClosedRange<UInt64> {
            let envelopes = IncrementalEngineTests.envelopes(seed: seed, projects: 3, steps: 400)
            var byProject: [String: [EventEnvelope]] = [:]
            for e in envelopes where e.stream.hasPrefix("project:") { byProject[e.stream, default: []].append(e) }
            for (stream, events) in byProject {
                let history = ProjectHistory(project: String(stream.dropFirst(8)), events: events, rates: RateBook())
                let reversedSeqs = Set(history.reversals.map(\.reversed))
                for e in events {
                    let scanned = history.transactions.first { $0.seq == e.seq }
                    XCTAssertEqual(history.transaction(at: e.seq), scanned)
                    if let scanned {
                        XCTAssertEqual(scanned.reversed, reversedSeqs.contains(e.seq))
                        if scanned.reversed { reversed += 1 }
                        checked += 1
                    }
                }
                XCTAssertNil(history.transaction(at: 0))
                XCTAssertNil(history.transaction(at: Int64.max))
                for user in Set(history.transactions.map(\.actor)) + ["user:nobody"] {
                    XCTAssertEqual(history.restricted(toUser: user).transactions, history.transactions.filter { $0.actor == user }, user)
                }
                for payee in Set(history.transactions.compactMap(\.payee)) {
                    XCTAssertEqual(history.restricted(toPayee: payee).transactions, history.transactions.filter { $0.payee == payee })
                }
            }
        }
        XCTAssertGreaterThan(checked, 500)
        XCTAssertGreaterThan(reversed, 0)
    }

    /// A history folded without the payee and user indices (as a full evaluation folds) restricts
    /// to a payee or user exactly as an indexed one does, and is judged to the same flags.
    func testHistoryWithoutSubjectIndicesRestrictsAndJudgesAlike() {
        var subjects = 0
        for seed in 5...7 as ClosedRange<UInt64> {
            let envelopes = IncrementalEngineTests.envelopes(seed: seed, projects: 3, steps: 400)
            var byProject: [String: [EventEnvelope]] = [:]
            for e in envelopes where e.stream.hasPrefix("project:") { byProject[e.stream, default: []].append(e) }
            for (stream, events) in byProject {
                let project = String(stream.dropFirst(8))
                let indexed = ProjectHistory(project: project, events: events, rates: RateBook())
                var plain = ProjectHistory(project: project, indexingSubjects: false)
                for e in events { plain.apply(e) }
                XCTAssertTrue(indexed.indexesSubjects)
                XCTAssertFalse(plain.indexesSubjects)
                XCTAssertEqual(plain.transactions, indexed.transactions)
                for user in Set(indexed.transactions.map(\.actor)) + ["user:nobody"] {
                    XCTAssertEqual(plain.restricted(toUser: user).transactions, indexed.restricted(toUser: user).transactions, user)
                    subjects += 1
                }
                for payee in Set(indexed.transactions.compactMap(\.payee)) + ["nobody"] {
                    let a = plain.restricted(toPayee: payee), b = indexed.restricted(toPayee: payee)
                    XCTAssertEqual(a.transactions, b.transactions, payee)
                    for t in b.transactions { XCTAssertEqual(a.transaction(at: t.seq), t) }
                    subjects += 1
                }
                XCTAssertEqual(RuleEngine().flags(for: plain), RuleEngine().flags(for: indexed))
            }
        }
        XCTAssertGreaterThan(subjects, 20)
    }

    /// Facts out of seq order (which the fold never gets, but a caller could give) are still found.
    func testTransactionsOutOfOrderAreStillFound() {
        var history = ProjectHistory(project: "P")
        let at = Timestamp(microsecondsSinceEpoch: 1_700_000_000_000_000)
        for seq in [5, 3, 9, 1] as [Int64] {
            history.apply(ProjectFact(seq: seq, kind: .expenditure, actor: seq % 2 == 0 ? "user:a" : "user:b", recordedAt: at,
                                      date: "2024-01-0\(seq)", amount: Amount(tenThousandths: 10_000 * Int128(seq), currency: .usd),
                                      party: "X"))
        }
        history.apply(ProjectFact(seq: 10, kind: .reversal, actor: "user:a", recordedAt: at, number: 3))
        for seq in [5, 3, 9, 1] as [Int64] {
            XCTAssertEqual(history.transaction(at: seq)?.seq, seq)
            XCTAssertEqual(history.transaction(at: seq)?.reversed, seq == 3)
        }
        XCTAssertNil(history.transaction(at: 4))
    }
}
