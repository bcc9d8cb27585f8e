import CanonicalJSON
import EventLog
import XCTest
@testable import ODA

/// The ODA projection kept inside the append transaction, its rebuild and its digest, against
/// figures worked out by hand from `SmallPortfolio`.
final class ProjectionTests: XCTestCase {
    func liveDigest(_ store: EventStore) throws -> ProjectionDigest {
        try store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
    }

    func rebuiltDigest(_ store: EventStore) throws -> ProjectionDigest {
        try store.rebuild(ProjectStateProjector(), swap: false) { try ProjectionDigest(of: $0, prefix: $1) }.result
    }

    func usd(_ text: String) throws -> Amount { try Amount(text, currency: "USD") }
    func lak(_ text: String) throws -> Amount { try Amount(text, currency: "LAK") }

    func testTheLiveProjectionHoldsTheHandComputedState() throws {
        let ledger = try TemporaryLedger()
        try ledger.store.register(ProjectStateProjector())
        XCTAssertEqual(try SmallPortfolio.record(in: ledger.store), [5, 7, 15, 19, 27])
        XCTAssertEqual(try ledger.store.projectionPosition(ProjectStateProjector.name), 27)

        let a = try XCTUnwrap(try ledger.store.projectSnapshot(SmallPortfolio.projectA))
        XCTAssertEqual(a.status, .active)
        XCTAssertEqual(a.partner, "XM-DAC-41114")
        XCTAssertEqual(a.approvingAuthority, "MPI")
        XCTAssertEqual(a.sectors.map(\.code), ["14030", "14031"])
        XCTAssertEqual(a.sectors.map(\.percentage.description), ["66.6667", "33.3333"])
        XCTAssertEqual(a.provinces.map(\.code), ["LA-SL", "LA-SV"])
        let bl1 = try XCTUnwrap(a.budgetLines.first { $0.budgetLineId == "BL-1" && $0.periodStart == "2024-01-01" })
        XCTAssertEqual(bl1.original, try usd("300000"))
        XCTAssertEqual(bl1.current, try usd("280000"))
        XCTAssertEqual(bl1.revisionCount, 1)
        XCTAssertEqual(bl1.lastDecisionReference, "PSC-2024-02")
        XCTAssertEqual(try a.budgetTotal(), [try usd("780000")], "280,000 + 100,000 + 400,000")
        XCTAssertEqual(try a.total(.commitment), [try usd("1000000")])
        XCTAssertEqual(try a.total(.disbursement), [try usd("350000")], "D-1 + D-3; D-2 reversed")
        XCTAssertEqual(a.transactions.first { $0.seq == 15 }?.reversedBy, 16)
        XCTAssertEqual(try a.total(.expenditure), [try lak("412500000")])
        XCTAssertEqual(try a.total(.counterpartPlanned), [try lak("500000000")])
        XCTAssertEqual(try a.total(.counterpartActual), [])
        XCTAssertEqual(a.history.map(\.seq), [4, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 26, 27])
        let revision = try XCTUnwrap(a.history.first { $0.seq == 17 })
        XCTAssertEqual(revision.actor, "user:somsack")
        XCTAssertEqual(revision.decisionReference, "PSC-2024-02")
        XCTAssertEqual(revision.summary, "budget BL-1 2024-01-01 revised 300000 USD → 280000 USD: Mid-year review")
        XCTAssertEqual(a.history.first { $0.seq == 6 }?.actor, "user:khamla")

        let b = try XCTUnwrap(try ledger.store.projectSnapshot(SmallPortfolio.projectB))
        XCTAssertEqual(try b.total(.disbursement), [try usd("50000")])
        XCTAssertEqual(try b.total(.expenditure), [try usd("30000")])
        XCTAssertNil(try ledger.store.projectSnapshot("LA-NONE"))
    }

    func testARebuildEqualsTheIncrementallyMaintainedStateAndSwapsIn() throws {
        let ledger = try TemporaryLedger()
        try ledger.store.register(ProjectStateProjector())
        try SmallPortfolio.record(in: ledger.store)
        let live = try liveDigest(ledger.store)
        XCTAssertEqual(try rebuiltDigest(ledger.store), live)

        // Swapping in the rebuild leaves the same state, and the next append keeps it in step.
        var reported: [Int64] = []
        let swapped = try ledger.store.rebuild(ProjectStateProjector(), swap: true, progress: { done, _ in reported.append(done) }) {
            try ProjectionDigest(of: $0, prefix: $1)
        }
        XCTAssertEqual(swapped.position, 27)
        XCTAssertEqual(swapped.result, live)
        XCTAssertEqual(reported.last, 27)
        XCTAssertEqual(try liveDigest(ledger.store), live)
        _ = try ledger.store.appendValidated([try Repository.example("ProjectDatesRevised")], actor: proposer)
        let after = try liveDigest(ledger.store)
        XCTAssertNotEqual(after, live, "a revision changes the state, so the digest")
        XCTAssertEqual(try rebuiltDigest(ledger.store), after)
        XCTAssertEqual(try ledger.store.projectSnapshot(SmallPortfolio.projectA)?.endDate, "2028-06-30")
    }

    func testEventsAppendedWithoutTheProjectorAreCaughtUpExactlyOnce() throws {
        let ledger = try TemporaryLedger()
        try ledger.store.register(ProjectStateProjector())
        try SmallPortfolio.record(in: ledger.store, batches: 0..<3)
        // A second process appends without a projector, then a retry of the same keyed batch.
        let other = try EventStore(openingAt: ledger.store.path)
        try SmallPortfolio.record(in: other, batches: 3..<4)
        var keyed = try Repository.example("DisbursementRecorded").editing { $0["transactionId"] = "D-9"; $0["date"] = "2024-08-01" }
        keyed.idempotencyKey = "d-9"
        _ = try ledger.store.appendValidated([keyed], actor: proposer)
        let retry = try ledger.store.appendValidated([keyed], actor: proposer)
        XCTAssertTrue(retry[0].wasAlreadyRecorded)
        XCTAssertEqual(try ledger.store.projectionPosition(ProjectStateProjector.name), 20)

        let a = try XCTUnwrap(try ledger.store.projectSnapshot(SmallPortfolio.projectA))
        XCTAssertEqual(try a.total(.disbursement), [try usd("500000")], "D-1 + D-9 once; D-2 reversed by the other process")
        XCTAssertEqual(a.budgetLines.first?.current, try usd("280000"))
        XCTAssertEqual(try liveDigest(ledger.store), try rebuiltDigest(ledger.store))
    }

    func testAFailingProjectorRollsTheAppendBack() throws {
        let ledger = try TemporaryLedger()
        try ledger.store.register(ProjectStateProjector())
        try SmallPortfolio.record(in: ledger.store, batches: 0..<1)
        let before = try liveDigest(ledger.store)
        try ledger.store.register(RefusingProjector())
        XCTAssertThrowsError(try SmallPortfolio.record(in: ledger.store, batches: 1..<2)) { error in
            XCTAssertTrue("\(error)".contains("projection test.refusing failed on seqs 6...7"), "\(error)")
        }
        XCTAssertEqual(ledger.head, 5, "nothing written")
        XCTAssertEqual(try ledger.store.projectionPosition(ProjectStateProjector.name), 5)
        XCTAssertEqual(try liveDigest(ledger.store), before)
    }

    func testPointInTimeReadsMatchTheStateAtThatMoment() throws {
        let ledger = try TemporaryLedger()
        try ledger.store.register(ProjectStateProjector())
        try SmallPortfolio.record(in: ledger.store, batches: 0..<3)
        let afterThirdBatch = try XCTUnwrap(try ledger.store.projectSnapshot(SmallPortfolio.projectA))
        let between = Timestamp.now()
        Thread.sleep(forTimeInterval: 0.01)
        try SmallPortfolio.record(in: ledger.store, batches: 3..<5)

        // As of seq 15 and as of the instant between the batches: the third batch's state exactly.
        XCTAssertEqual(try ledger.store.projectSnapshot(SmallPortfolio.projectA, asOf: .seq(15)), afterThirdBatch)
        XCTAssertEqual(try ledger.store.projectSnapshot(SmallPortfolio.projectA, asOf: .recordedBefore(between)), afterThirdBatch)
        XCTAssertEqual(try afterThirdBatch.total(.disbursement), [try usd("500000")], "D-2 not yet reversed")
        XCTAssertEqual(afterThirdBatch.budgetLines.first?.revisionCount, 0)
        XCTAssertEqual(afterThirdBatch.history.last?.seq, 15)

        let proposedOnly = try XCTUnwrap(try ledger.store.projectSnapshot(SmallPortfolio.projectA, asOf: .seq(5)))
        XCTAssertEqual(proposedOnly.status, .proposed)
        XCTAssertEqual(proposedOnly.estimatedCost, try usd("1250000"))
        XCTAssertNil(try ledger.store.projectSnapshot(SmallPortfolio.projectA, asOf: .seq(3)))
        XCTAssertEqual(try ledger.store.projectSnapshot(SmallPortfolio.projectA, asOf: .seq(27)),
                       try ledger.store.projectSnapshot(SmallPortfolio.projectA), "replay to the head equals the live tables")
    }

    func testEffectiveDateReadsApplyDatedEventsUpToThatDateAndUndatedOnes() throws {
        let ledger = try TemporaryLedger()
        try ledger.store.register(ProjectStateProjector())
        try SmallPortfolio.record(in: ledger.store)
        let march = try XCTUnwrap(try ledger.store.projectSnapshot(SmallPortfolio.projectA, asOf: .effectiveOn(CalendarDate("2024-03-31")!)))
        XCTAssertEqual(march.status, .active, "approved 2024-02-15, active from 2024-03-01")
        XCTAssertEqual(try march.total(.commitment), [try usd("1000000")], "committed 2024-02-20")
        XCTAssertEqual(try march.total(.disbursement), [], "D-1 and D-2 are dated 2024-04-02")
        XCTAssertEqual(try march.budgetTotal(), [try usd("780000")], "budget plans and revisions carry no date of their own")
        let yearEnd = try XCTUnwrap(try ledger.store.projectSnapshot(SmallPortfolio.projectA, asOf: .effectiveOn(CalendarDate("2024-12-31")!)))
        XCTAssertEqual(try yearEnd.total(.disbursement), [try usd("250000")], "D-1; D-2 reversed; D-3 dated 2025")
        XCTAssertEqual(try yearEnd.total(.expenditure), [try lak("412500000")])

        let april = try ledger.store.portfolio(by: .partner, year: 2024, currency: try CurrencyCode("USD"),
                                               asOf: .effectiveOn(CalendarDate("2024-04-30")!))
        XCTAssertEqual(april.rows.map(\.key), ["XM-DAC-41114", "XM-DAC-41122"])
        XCTAssertEqual(april.rows.map(\.disbursed), [try usd("250000"), try usd("0")])
        XCTAssertEqual(april.rows.map(\.spent), [try usd("0"), try usd("0")], "expenditures are dated May and July")
        XCTAssertEqual(april.rows.map(\.disbursementRate), ["65.8", "0.0"])
    }

    /// Pins the serialization the digest hashes, as computed independently (Python's json with
    /// sorted keys and no whitespace equals RFC 8785 for these ASCII, integer-only values).
    func testTheDigestHashesTheDocumentedCanonicalForm() throws {
        let ledger = try TemporaryLedger()
        try ledger.store.register(ProjectStateProjector())
        XCTAssertEqual(try liveDigest(ledger.store).hex, "d1fbb89f8b70a38f322e79f81e8efabb99eea86f176f4d106d023416f92b6046",
                       "sha256 of {\"proj_agreements\":[],…,\"proj_transactions\":[]}")
        let rate = try Repository.example("ExchangeRateRecorded").editing { $0["rate"] = "20000"; $0["effectiveDate"] = "2024-01-01" }
        _ = try ledger.store.appendValidated([rate], actor: proposer)
        // {"proj_agreements":[],…,"proj_exchange_rates":[{"base":"USD","effective_date":"2024-01-01","quote":"LAK",
        //  "rate":"20000","seq":1,"source":"IMF IFS ENDA annual average 2024"}],…,"proj_transactions":[]}
        XCTAssertEqual(try liveDigest(ledger.store).hex, "4079644d714a1f28c0c8b6897a483e82147089ec40a09d227bae2a9779253183")
    }

    func testAsOfValuesParse() throws {
        XCTAssertEqual(try PointInTime(parsing: "42"), .seq(42))
        XCTAssertEqual(try PointInTime(parsing: "2024-06-30"), .recordedBefore(try XCTUnwrap(Timestamp.parse("2024-07-01T00:00:00Z"))))
        XCTAssertEqual(try PointInTime(parsing: "2024-06-30T10:00:00Z"),
                       .recordedBefore(try XCTUnwrap(Timestamp.parse("2024-06-30T10:00:00.000001Z"))))
        XCTAssertThrowsError(try PointInTime(parsing: "yesterday"))
    }
}

/// A projector that refuses approvals, to show a projection failure aborts the append.
struct RefusingProjector: Projector {
    struct Refused: Error {}
    var name: String { "test.refusing" }
    var tableNames: [String] { [] }
    func createTables(in database: ProjectionDatabase, prefix: String) throws {}
    func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        if events.contains(where: { $0.envelope.type == "ProjectApproved" }) { throw Refused() }
    }
}
