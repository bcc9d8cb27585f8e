import CanonicalJSON
import EventLog
import ODA
import XCTest
@testable import Inspection

/// `budget-revision-after-approval-or-lock` version 2: a revision through a reopened lock, and a
/// material revision recorded after the period ended, are leads; mid-year reviews are not.
final class BudgetRevisionRuleTests: XCTestCase {
    func testMidYearReviewsOfAnApprovedProjectAreNotFlagged() {
        var b = HistoryBuilder()
        b.add("ProjectApproved", ["approvingAuthority": "MPI"])
        b.budget("BL-1", "300000")
        b.budget("BL-1", "390000", revised: "300000")  // +30 %, in May of the period itself
        b.recordedAt = Timestamp.parse("2024-12-30T03:00:00.000000Z")!
        b.budget("BL-1", "420000", revised: "390000")  // the last working days of the period
        XCTAssertEqual(b.hits(BudgetRevisionAfterLock()), [])
    }

    func testAMaterialRevisionAfterThePeriodEndedIsFlaggedAndASmallOneIsNot() {
        var b = HistoryBuilder()
        b.budget("BL-1", "300000")
        b.recordedAt = Timestamp.parse("2025-01-08T03:00:00.000000Z")!
        b.budget("BL-1", "330000", revised: "300000")  // late, but before approval: not judged
        XCTAssertEqual(b.hits(BudgetRevisionAfterLock()), [])
        let approved = b.add("ProjectApproved", ["approvingAuthority": "MPI"])
        b.budget("BL-1", "340000", revised: "330000")  // late, +3 %: below materiality
        XCTAssertEqual(b.hits(BudgetRevisionAfterLock()), [])
        let raised = b.budget("BL-1", "400000", revised: "340000")  // late, +17 %
        let hits = b.hits(BudgetRevisionAfterLock())
        XCTAssertEqual(hits.map(\.evidence), [[approved, raised]])
        XCTAssertEqual(hits.first?.score, 60)
        XCTAssertEqual(hits.first?.amount?.description, "60000 USD")
        XCTAssertTrue(hits.first?.explanation.contains("after the period had ended") ?? false, hits.first?.explanation ?? "")
        // Materiality is a parameter: at 20 % the same revision is not material.
        var parameters = BudgetRevisionAfterLock().defaultParameters
        parameters["materialityBasisPoints"] = 2000
        XCTAssertEqual(BudgetRevisionAfterLock().evaluate(b.history, parameters: parameters), [])
    }

    /// The period's end is that of the Vientiane calendar day: 31 December 23:30 in Vientiane
    /// (16:30 UTC) is still inside the period, 1 January 00:30 (17:30 UTC on the 31st) is not.
    func testThePeriodEndsAtMidnightInVientiane() {
        var b = HistoryBuilder()
        b.add("ProjectApproved", ["approvingAuthority": "MPI"])
        b.budget("BL-1", "100000")
        b.recordedAt = Timestamp.parse("2024-12-31T16:30:00.000000Z")!
        b.budget("BL-1", "150000", revised: "100000")
        XCTAssertEqual(b.hits(BudgetRevisionAfterLock()), [])
        b.recordedAt = Timestamp.parse("2024-12-31T17:30:00.000000Z")!
        let late = b.budget("BL-1", "200000", revised: "150000")
        XCTAssertEqual(b.hits(BudgetRevisionAfterLock()).map { $0.evidence.last }, [late])
    }

    func testARevisionThroughAReopenedLockIsFlaggedHigherWhenTheRevisingUserApprovedTheReopening() {
        var b = HistoryBuilder()
        b.add("ProjectApproved", ["approvingAuthority": "MPI"])
        b.budget("BL-1", "300000")
        b.budget("BL-2", "200000")
        b.recordedAt = Timestamp.parse("2025-01-20T03:00:00.000000Z")!
        b.add("BudgetPeriodLocked", ["budgetLineId": "BL-1", "periodStart": "2024-01-01"])
        b.add("BudgetPeriodLocked", ["budgetLineId": "BL-2", "periodStart": "2024-01-01"])
        b.actor = "user:approver"
        let reopen1 = b.add("BudgetReopenApproved", ["budgetLineId": "BL-1", "periodStart": "2024-01-01"])
        b.actor = "user:somsack"
        let r1 = b.budget("BL-1", "301000", revised: "300000")  // +0.3 %: through a lock, materiality does not apply
        let reopen2 = b.add("BudgetReopenApproved", ["budgetLineId": "BL-2", "periodStart": "2024-01-01"])
        let r2 = b.budget("BL-2", "260000", revised: "200000")
        let hits = b.hits(BudgetRevisionAfterLock()).sorted { $0.subject.name < $1.subject.name }
        XCTAssertEqual(hits.map(\.evidence), [[reopen1, r1], [reopen2, r2]])
        XCTAssertEqual(hits.map(\.score), [75, 95])
        XCTAssertTrue(hits[1].explanation.contains("reopened by user:somsack, who also recorded the revision"), hits[1].explanation)
        XCTAssertEqual(hits[0].amount?.description, "1000 USD")
    }

    func testALockedPeriodIsJudgedPerLineAndPeriod() {
        var b = HistoryBuilder()
        b.add("ProjectApproved", ["approvingAuthority": "MPI"])
        b.budget("BL-1", "300000")
        b.budget("BL-1", "310000", period: "2025-01-01")
        b.add("BudgetPeriodLocked", ["budgetLineId": "BL-1", "periodStart": "2024-01-01"])
        b.budget("BL-1", "320000", revised: "310000", period: "2025-01-01")  // the 2025 period was never locked
        XCTAssertEqual(b.hits(BudgetRevisionAfterLock()), [])
    }
}
