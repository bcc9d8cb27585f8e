import CanonicalJSON
import EventLog
import ODA
import XCTest
@testable import Inspection

/// Each rule on a hand-built project: it fires on the events it should, with those as evidence,
/// and stays silent on the near misses.
final class RuleTests: XCTestCase {
    func testDisbursementAboveCommitmentRespectsTheCurrencyTolerance() {
        var b = HistoryBuilder()
        b.transaction("CommitmentRecorded", "1000000")
        let d1 = b.transaction("DisbursementRecorded", "1055000") // 5.5 %, the ADB case: within 6 %
        XCTAssertEqual(b.hits(DisbursementAboveCommitment()), [])
        let d2 = b.transaction("DisbursementRecorded", "10000")   // 6.5 %
        let hits = b.hits(DisbursementAboveCommitment())
        XCTAssertEqual(hits.count, 1)
        XCTAssertEqual(hits.first?.evidence, [2, d1, d2])
        XCTAssertEqual(hits.first?.amount?.description, "65000 USD")
    }

    func testDisbursementInKipIsComparedInUSDWithTheRecordedRate() {
        var b = HistoryBuilder()
        b.rate("LAK", "20000")
        b.transaction("CommitmentRecorded", "100000")
        b.transaction("DisbursementRecorded", "2100000000", "LAK") // 105,000 USD: within 6 %
        XCTAssertEqual(b.hits(DisbursementAboveCommitment()), [])
        b.transaction("DisbursementRecorded", "200000000", "LAK")  // 115,000 USD
        XCTAssertEqual(b.hits(DisbursementAboveCommitment()).first?.amount?.description, "15000 USD")
    }

    func testReversedDisbursementsDoNotCount() {
        var b = HistoryBuilder()
        b.transaction("CommitmentRecorded", "1000")
        let d = b.transaction("DisbursementRecorded", "2000")
        XCTAssertEqual(b.hits(DisbursementAboveCommitment()).count, 1)
        b.add("TransactionReversed", ["reversedSeq": .integer(d), "reason": "entered twice"])
        XCTAssertEqual(b.hits(DisbursementAboveCommitment()), [])
        XCTAssertEqual(b.hits(Reversals()).first?.evidence, [d, d + 1])
    }

    func testSerialRevisionsFromTheThird() {
        var b = HistoryBuilder()
        b.budget("BL-1", "100")
        b.budget("BL-2", "100")
        let r1 = b.budget("BL-1", "110", revised: "100")
        let r2 = b.budget("BL-1", "120", revised: "110")
        b.budget("BL-2", "120", revised: "100")
        XCTAssertEqual(b.hits(SerialRevisions()), [])
        let r3 = b.budget("BL-1", "130", revised: "120")
        let hits = b.hits(SerialRevisions())
        XCTAssertEqual(hits.map(\.evidence), [[r1, r2, r3]])
        XCTAssertEqual(hits.first?.subject, Subject(kind: .budgetLine, name: "BL-1", project: "P1"))
    }

    func testSpendingAboveTheAnnualBudgetUsesTheCurrentFigure() {
        var b = HistoryBuilder()
        b.budget("BL-1", "1000")
        b.transaction("ExpenditureRecorded", "900", date: "2024-03-01")
        b.transaction("ExpenditureRecorded", "900", date: "2025-03-01") // another year: no budget, not compared
        XCTAssertEqual(b.hits(SpendingAboveAnnualBudget()), [])
        b.budget("BL-1", "800", revised: "1000")
        let hits = b.hits(SpendingAboveAnnualBudget())
        XCTAssertEqual(hits.count, 1)
        XCTAssertEqual(hits.first?.amount?.description, "100 USD")
    }

    func testTransactionsOutsideTheProjectWindow() {
        var b = HistoryBuilder(start: "2024-01-01", end: "2024-12-31")
        b.transaction("CommitmentRecorded", "100", date: "2023-11-01") // commitments may precede the start
        b.transaction("ExpenditureRecorded", "10", date: "2024-12-31")
        XCTAssertEqual(b.hits(OutsideProjectWindow()), [])
        let late = b.transaction("ExpenditureRecorded", "10", date: "2025-01-01")
        XCTAssertEqual(b.hits(OutsideProjectWindow()).map(\.evidence), [[late]])
        b.add("ProjectDatesRevised", ["startDate": "2024-01-01", "endDate": "2025-06-30"])
        XCTAssertEqual(b.hits(OutsideProjectWindow()), [])
    }

    func testExactDuplicatePaymentsNeedSamePayeeAmountAndDate() {
        var b = HistoryBuilder()
        let a = b.transaction("ExpenditureRecorded", "1234.50", payee: "A")
        b.transaction("ExpenditureRecorded", "1234.50", payee: "B")
        b.transaction("ExpenditureRecorded", "1234.50", date: "2024-05-15", payee: "A")
        b.transaction("ExpenditureRecorded", "1234.51", payee: "A")
        XCTAssertEqual(b.hits(ExactDuplicatePayments()), [])
        let dup = b.transaction("ExpenditureRecorded", "1234.50", payee: "A")
        let hits = b.hits(ExactDuplicatePayments())
        XCTAssertEqual(hits.map(\.evidence), [[a, dup]])
        XCTAssertEqual(hits.first?.subject.key, "payee:A@project:P1")
    }

    func testRoundAmounts() {
        XCTAssertTrue(RoundAmounts.isRound(try! Amount("50000", currency: "USD"), trailingZeros: 4))
        XCTAssertFalse(RoundAmounts.isRound(try! Amount("5000", currency: "USD"), trailingZeros: 4))
        XCTAssertFalse(RoundAmounts.isRound(try! Amount("412500000", currency: "LAK"), trailingZeros: 4))
        XCTAssertFalse(RoundAmounts.isRound(try! Amount("50000.50", currency: "USD"), trailingZeros: 4))
        var b = HistoryBuilder()
        b.transaction("CommitmentRecorded", "1000000")
        b.transaction("ExpenditureRecorded", "412500000", "LAK")
        XCTAssertEqual(b.hits(RoundAmounts()), [])
        let round = b.transaction("ExpenditureRecorded", "300000000", "LAK")
        XCTAssertEqual(b.hits(RoundAmounts()).map(\.evidence), [[round]])
    }

    func testSelfApproval() {
        var b = HistoryBuilder()
        b.add("ProjectApproved", ["approvingAuthority": "MPI"])
        XCTAssertEqual(b.hits(SelfApproval()), [])
        let s = b.add("ProjectApproved", ["approvingAuthority": "MPI", "selfApproved": true])
        XCTAssertEqual(b.hits(SelfApproval()).map(\.evidence), [[s]])
        XCTAssertEqual(b.hits(SelfApproval()).first?.subject.kind, .user)
    }

    func testBackDatedEntries() {
        var b = HistoryBuilder()
        b.transaction("ExpenditureRecorded", "10", date: "2024-02-14") // 90 days before 2024-05-14: allowed
        XCTAssertEqual(b.hits(BackDatedEntries()), [])
        let late = b.transaction("ExpenditureRecorded", "10", date: "2024-02-13")
        let hits = b.hits(BackDatedEntries())
        XCTAssertEqual(hits.map(\.evidence), [[late]])
        XCTAssertEqual(hits.first?.subject.name, "user:somsack")
        // A partner's history brought in by an import account is late by nature, not back-dated.
        b.actor = "importer:iati"
        b.transaction("DisbursementRecorded", "10", date: "2010-01-04")
        XCTAssertEqual(b.hits(BackDatedEntries()).map(\.evidence), [[late]])
    }

    func testOffHoursJudgedInVientiane() {
        var b = HistoryBuilder()
        b.recordedAt = Timestamp.parse("2024-05-14T00:00:00.000000Z")! // 07:00 Tuesday in Vientiane
        b.transaction("ExpenditureRecorded", "1")
        b.recordedAt = Timestamp.parse("2024-05-14T10:59:59.000000Z")! // 17:59
        b.transaction("ExpenditureRecorded", "2")
        XCTAssertEqual(b.hits(OffHoursPostings()), [])
        b.recordedAt = Timestamp.parse("2024-05-14T11:00:00.000000Z")! // 18:00
        let evening = b.transaction("ExpenditureRecorded", "3")
        b.recordedAt = Timestamp.parse("2024-05-17T23:30:00.000000Z")! // Saturday 06:30
        let saturday = b.transaction("ExpenditureRecorded", "4")
        b.recordedAt = Timestamp.parse("2024-05-19T03:00:00.000000Z")! // Sunday 10:00
        let sunday = b.transaction("ExpenditureRecorded", "5")
        b.recordedAt = Timestamp.parse("2024-04-16T03:00:00.000000Z")! // Tuesday 10:00, Pi Mai
        let piMai = b.transaction("ExpenditureRecorded", "6")
        b.recordedAt = Timestamp.parse("2024-12-02T16:59:00.000000Z")! // 23:59 UTC+7 is still 2 December
        let nationalDay = b.transaction("ExpenditureRecorded", "7")
        b.recordedAt = Timestamp.parse("2024-12-03T01:00:00.000000Z")! // Tuesday 3 December 08:00
        b.transaction("ExpenditureRecorded", "8")
        b.recordedAt = Timestamp.parse("2024-12-04T03:00:00.000000Z")! // Wednesday 10:00, no holiday
        b.transaction("ExpenditureRecorded", "9")
        XCTAssertEqual(b.hits(OffHoursPostings()).map(\.evidence), [[evening, saturday, sunday, piMai, nationalDay]])
        // Pi Mai 2024 began on a Sunday, so Wednesday 17 April was its substitute day off.
        b.recordedAt = Timestamp.parse("2024-04-17T03:00:00.000000Z")!
        let substitute = b.transaction("ExpenditureRecorded", "10")
        XCTAssertEqual(LaoPublicHolidays.name(year: 2024, month: 4, day: 17) != nil, true)
        XCTAssertEqual(b.hits(OffHoursPostings()).map(\.evidence), [[evening, saturday, sunday, piMai, nationalDay, substitute]])
    }

    func testFlagsMergeRepeatedHitsAndHaveStableIds() {
        var b = HistoryBuilder()
        b.add("ProjectApproved", ["approvingAuthority": "MPI"])
        b.budget("BL-1", "2")
        b.recordedAt = Timestamp.parse("2025-01-10T03:00:00.000000Z")!  // after the period's end
        b.budget("BL-1", "1", revised: "2")
        b.budget("BL-1", "3", revised: "1")
        let flags = RuleEngine(rules: [BudgetRevisionAfterLock()]).flags(for: b.history)
        XCTAssertEqual(flags.count, 1)
        XCTAssertEqual(flags.first?.evidence, [2, 4, 5])
        XCTAssertEqual(flags.first?.id, Flag.id(rule: "budget-revision-after-approval-or-lock",
                                                 subject: Subject(kind: .budgetLine, name: "BL-1", project: "P1")))
        XCTAssertEqual(flags.first?.id.count, 32)
        XCTAssertEqual(flags.first?.parametersText, "graceDays=0,lateScore=60,materialityBasisPoints=1000,reopenedScore=75,sameUserScore=95")
    }

    func testFlagAmountIsInUSDOnlyWhenARateWasRecordedByItsEvidence() {
        var b = HistoryBuilder()
        b.transaction("ExpenditureRecorded", "300000000", "LAK")
        let engine = RuleEngine(rules: [RoundAmounts()])
        XCTAssertEqual(engine.flags(for: b.history).first?.amountIsUSD, false)
        XCTAssertEqual(engine.flags(for: b.history).first?.amount?.description, "300000000 LAK")
        b.rate("LAK", "20000")
        XCTAssertEqual(engine.flags(for: b.history).first?.amountIsUSD, false, "a later rate does not rewrite the flag")
        b.transaction("ExpenditureRecorded", "100000000", "LAK")
        XCTAssertEqual(engine.flags(for: b.history).first?.amount?.description, "20000 USD")
    }

    func testSplittingBelowTheProcurementThresholdInKip() {
        var b = HistoryBuilder()
        b.rate("LAK", "20000")
        let a = b.transaction("ExpenditureRecorded", "4000000", "LAK", date: "2024-03-01", payee: "A")
        b.transaction("ExpenditureRecorded", "900000", "LAK", date: "2024-03-20", payee: "A")     // sum 4.9 M: below
        b.transaction("ExpenditureRecorded", "4000000", "LAK", date: "2024-03-10", payee: "B")
        b.transaction("ExpenditureRecorded", "4000000", "LAK", date: "2024-05-10", payee: "B")    // 61 days later
        b.transaction("ExpenditureRecorded", "6000000", "LAK", date: "2024-03-10", payee: "C")
        b.transaction("ExpenditureRecorded", "1000", "LAK", date: "2024-03-11", payee: "C")       // one part is above
        XCTAssertEqual(b.hits(SplittingBelowThreshold()), [])
        let c = b.transaction("ExpenditureRecorded", "10", "USD", date: "2024-03-30", payee: "A") // 200,000 kip: 5.1 M
        let hits = b.hits(SplittingBelowThreshold())
        XCTAssertEqual(hits.map(\.evidence), [[a, a + 1, c]])
        XCTAssertEqual(hits.first?.subject.key, "payee:A@project:P1")
        XCTAssertTrue(hits.first?.explanation.contains("below the 5000000 kip procurement threshold") ?? false)
        XCTAssertEqual(ProcurementThresholds.inForce(on: CalendarDate("2016-12-31")!), [])
    }

    func testNearDuplicatesByAmountWithinDaysOrByInvoice() {
        var b = HistoryBuilder()
        let a = b.expense("10000", date: "2024-03-01", payee: "A", invoice: "I-1")
        b.expense("10000", date: "2024-03-01", payee: "A", invoice: "I-2")  // exact duplicate: the other rule's
        b.expense("10200", date: "2024-03-05", payee: "A", invoice: "I-3")  // 2 % apart
        b.expense("10050", date: "2024-03-20", payee: "A", invoice: "I-4")  // 19 days later
        b.expense("10050", date: "2024-03-02", payee: "B", invoice: "I-5")  // another payee
        XCTAssertEqual(b.hits(NearDuplicatePayments()), [])
        let close = b.expense("10080", date: "2024-03-06", payee: "A", invoice: "I-6")   // 0.8 % from 10,000, 5 days
        let invoice = b.expense("777", date: "2024-09-01", payee: "B", invoice: "I-5")   // invoice I-5 again
        let hits = b.hits(NearDuplicatePayments())
        XCTAssertEqual(hits.map(\.subject.name), ["A", "B"])
        XCTAssertEqual(hits.first?.evidence, [a, a + 1, close], "10,200 is 1.2 % from 10,080")
        XCTAssertEqual(hits.last?.evidence, [a + 4, invoice])
    }

    func testCounterpartShortfallJudgedAfterTheYearEnds() {
        var b = HistoryBuilder()
        b.recordedAt = Timestamp.parse("2024-12-31T03:00:00.000000Z")!
        let p = b.counterpart("planned", year: 2024, "500000000")
        let a = b.counterpart("actual", year: 2024, "390000000")
        XCTAssertEqual(b.hits(CounterpartShortfall()), [], "the year has not ended")
        b.recordedAt = Timestamp.parse("2025-01-02T03:00:00.000000Z")!
        b.add("ProjectStatusChanged", ["to": "active"])
        XCTAssertEqual(b.hits(CounterpartShortfall()).map(\.evidence), [[p, a]])
        XCTAssertEqual(b.hits(CounterpartShortfall()).first?.amount?.description, "110000000 LAK")
        b.counterpart("actual", year: 2024, "20000000")  // 410 M: 18 % short, within 20 %
        XCTAssertEqual(b.hits(CounterpartShortfall()), [])
    }

    func testYearEndSpike() {
        var b = HistoryBuilder()
        for month in ["01", "03", "05", "07"] { b.transaction("ExpenditureRecorded", "100", date: "2024-\(month)-10") }
        let dec = b.transaction("ExpenditureRecorded", "250", date: "2024-12-20")  // 250 / 650 = 38 %
        XCTAssertEqual(b.hits(YearEndSpike()), [])
        let dec2 = b.transaction("ExpenditureRecorded", "30", date: "2024-12-28")  // 280 / 680 = 41 %
        XCTAssertEqual(b.hits(YearEndSpike()).map(\.evidence), [[dec, dec2]])
        var few = HistoryBuilder()
        few.transaction("ExpenditureRecorded", "100", date: "2024-12-20")
        XCTAssertEqual(few.hits(YearEndSpike()), [], "too few payments to judge")
    }

    func testPayeeConcentration() {
        var b = HistoryBuilder()
        let a = b.transaction("ExpenditureRecorded", "500", payee: "A")
        b.transaction("ExpenditureRecorded", "300", payee: "B")
        XCTAssertEqual(b.hits(PayeeConcentration()), [], "two payees: not judged")
        b.transaction("ExpenditureRecorded", "200", payee: "C")   // A has exactly 50 %: not above
        XCTAssertEqual(b.hits(PayeeConcentration()), [])
        let a2 = b.transaction("ExpenditureRecorded", "10", payee: "A")
        XCTAssertEqual(b.hits(PayeeConcentration()).map(\.evidence), [[a, a2]])
        XCTAssertEqual(b.hits(PayeeConcentration()).first?.subject.name, "A")
    }
}
