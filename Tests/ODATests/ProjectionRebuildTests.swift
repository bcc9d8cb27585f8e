import CanonicalJSON
import EventLog
import XCTest
@testable import ODA

/// The bulk rebuild (`ProjectionRebuild`: stored bytes scanned by `StoredEventScan`, rows held
/// in memory and written in key order) against the reference: the same projector rebuilt event
/// batch by event batch through `apply`, and the live tables kept in the append path.
final class ProjectionRebuildTests: XCTestCase {
    static let projects = ["LA-MPI-2024-017", "LA-MOH-2024-002", "LA-a-2024-001", "LA-MPI-2024-0170", "LA-A-1"]
    static let roleless = try! Actor(id: "user:noun")

    /// A ledger of every event type, appended unvalidated so it also holds what a validator
    /// would refuse: amounts that do not parse, unknown counterpart kinds, reversals of seqs that
    /// are not transactions, of other projects' transactions, of later seqs and of the same seq
    /// twice; escaped and non-ASCII strings in names, ids and payees; business dates.
    static func history(count: Int) throws -> [(Actor, [ProposedEvent])] {
        func example(_ type: String, _ project: String) throws -> ProposedEvent {
            var event = try Repository.example(type)
            if event.stream.hasPrefix("project:") { event.stream = "project:" + project }
            if type == "ProjectProposed" { event.payload["projectId"] = .string(project) }
            return event
        }
        var batches: [(Actor, [ProposedEvent])] = []
        var events: [ProposedEvent] = []
        for project in projects {
            events.append(try example("ProjectProposed", project))
        }
        batches.append((proposer, events))
        events = []
        let types = ["CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded"]
        var seq = Int64(projects.count)
        for i in 0..<count {
            let project = projects[(i * 7 + i / 3) % projects.count]
            var event: ProposedEvent
            switch i % 23 {
            case 5: event = try example("TransactionReversed", project).editing { $0["reversedSeq"] = .integer(seq - 3) }
            case 9: event = try example("TransactionReversed", project).editing { $0["reversedSeq"] = .integer(seq + 4) }
            case 11: event = try example("AnnualBudgetPlanned", project)
            case 12: event = try example("AnnualBudgetRevised", project)
            case 13: event = try example("ExchangeRateRecorded", project).editing { $0["rate"] = .string("2\(i).5") }
            case 14: event = try example("FinancingAgreementSigned", project)
            case 15: event = try example("FinancingAgreementAmended", project)
            case 16: event = try example("ProjectStatusChanged", project)
            case 17: event = try example("SectorAllocationRevised", project)
            case 18: event = try example("BudgetPeriodLocked", project)
            case 19: event = try example("OrganisationRegistered", project)
            default:
                event = try example(types[i % 4], project).editing { payload in
                    payload["transactionId"] = .string(i % 5 == 0 ? "T-\"\(i)\"\\é" : "T-\(i)")
                    payload["amount"] = ["amount": .string("\(i * 37 % 1000).\(i % 100)"), "currency": i % 3 == 0 ? "LAK" : "USD"]
                    if i % 10 == 1 { payload["payee"] = "ບໍລິສັດ ນ້ຳ Savan \u{1F4A7}" }
                    if i % 17 == 2 { payload["amount"] = ["amount": "12.34567", "currency": "USD"] }
                    if i % 19 == 3 { payload["amount"] = "1000" }
                    if i % 29 == 4 { payload["kind"] = "borrowed" }
                    if i % 31 == 6 { payload["date"] = nil; payload["fiscalYear"] = 2025 }
                    if i % 37 == 7 { payload["decisionReference"] = .string("DEC-\(i)") }
                    if i % 41 == 8 { payload["date"] = .integer(20240101) }
                    if i % 43 == 9 { payload["provider"] = ["nested": ["x", 1, true, .null]] }
                }
                if i % 13 == 10 { event.occurredAt = "2024-05-0\(1 + i % 9)" }
            }
            events.append(event)
            seq += 1
            if events.count >= [1, 3, 11, 2, 65, 5][batches.count % 6] {
                batches.append((i % 6 == 0 ? roleless : i % 2 == 0 ? approver : proposer, events))
                events = []
            }
        }
        if !events.isEmpty { batches.append((proposer, events)) }
        return batches
    }

    func digest(_ store: EventStore, bulk: Bool, through seq: Int64? = nil) throws -> ProjectionDigest {
        let projector: any Projector = bulk ? ProjectStateProjector() : RebuildVariantProjector(chunkSize: nil)
        return try store.rebuild(projector, through: seq, swap: false) { try ProjectionDigest(of: $0, prefix: $1) }.result
    }

    func testTheBulkRebuildEqualsTheReferenceRebuildAndTheLiveTablesAtEveryPoint() throws {
        let ledger = try TemporaryLedger(projected: true)
        var ends: [Int64] = []
        for (actor, batch) in try Self.history(count: 700) {
            ends.append(try XCTUnwrap(try ledger.store.append(batch, actor: actor).last?.event.seq))
        }
        let live = try ledger.store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
        XCTAssertEqual(try digest(ledger.store, bulk: true), live)
        XCTAssertEqual(try digest(ledger.store, bulk: false), live)
        for seq in [1, 5, 6, ends[3], ends[20], ends[ends.count / 2], ends[ends.count - 2] + 1] {
            XCTAssertEqual(try digest(ledger.store, bulk: true, through: seq), try digest(ledger.store, bulk: false, through: seq),
                           "through seq \(seq)")
        }
        // The rows themselves, not only their digest, and a swap leaves the live digest as it was.
        let swapped = try ledger.store.rebuild(ProjectStateProjector(), swap: true) { try ProjectionDigest(of: $0, prefix: $1) }
        XCTAssertEqual(swapped.result, live)
        let reversed = try ledger.store.withProjectionSnapshot { db in
            try db.scalarInt64("SELECT count(*) FROM proj_transactions WHERE reversed_by IS NOT NULL")
        }
        XCTAssertGreaterThan(reversed ?? 0, 3, "the history reverses transactions")
        let escaped = try Self.projects.flatMap { try XCTUnwrap(try ledger.store.projectSnapshot($0)).history }
            .filter { $0.summary.contains("T-\"") && $0.summary.contains("\\é") }
        XCTAssertGreaterThan(escaped.count, 0, "escaped transaction ids reach the summaries")
    }

    func testTheScanGivesWhatTheFullDecodeGivesForEveryProjectedMember() throws {
        let ledger = try TemporaryLedger()
        for (actor, batch) in try Self.history(count: 400) { _ = try ledger.store.append(batch, actor: actor) }
        var scan = StoredEventScan()
        var scanned = 0, declined = 0
        try ledger.store.read { event in
            let stored = StoredEventBytes(seq: event.seq, canonicalBytes: event.canonicalBytes)
            let e = event.envelope
            guard let fast = scan.projectedEvent(stored) else {
                declined += 1
                return true
            }
            scanned += 1
            assertScannedEnvelope(fast, equals: e)
            XCTAssertEqual(fast.transaction?.facts, TransactionFacts(payload: e.payload), "seq \(e.seq)")
            XCTAssertTrue(fast.payload.isEmpty, "a scanned event carries its facts, not a payload")
            return true
        }
        XCTAssertGreaterThan(scanned, 200, "transaction events are scanned")
        XCTAssertGreaterThan(declined, 50, "other types and escaped strings are decoded in full")
    }

    func testTheScanDeclinesWhatItCannotReadExactly() throws {
        var scan = StoredEventScan()
        func bytes(_ text: String) -> StoredEventBytes { StoredEventBytes(seq: 1, canonicalBytes: Array(text.utf8)) }
        let base = #"{"actor":{"id":"user:a"},"payload":{"amount":{"amount":"1","currency":"USD"}},"prev":"00","recordedAt":"2026-01-01T00:00:00.000000Z","schemaVersion":1,"seq":1,"stream":"project:P","streamVersion":1,"type":"DisbursementRecorded"}"#
        XCTAssertNotNil(scan.projectedEvent(bytes(base)))
        XCTAssertNil(scan.projectedEvent(bytes(base.replacingOccurrences(of: "DisbursementRecorded", with: "ProjectProposed"))))
        XCTAssertNil(scan.projectedEvent(bytes(base.replacingOccurrences(of: "project:P", with: #"project:\u0050"#))))
        XCTAssertNil(scan.projectedEvent(bytes(base.replacingOccurrences(of: "000000Z", with: "0Z"))), "recordedAt not canonical")
        XCTAssertNil(scan.projectedEvent(bytes(base.replacingOccurrences(of: #""seq":1"#, with: #""seq":2"#))), "seq not the row's")
        XCTAssertNil(scan.projectedEvent(bytes(String(base.dropLast()))))
        XCTAssertNil(scan.projectedEvent(bytes(base + " ")))
        XCTAssertNil(scan.projectedEvent(bytes(base.replacingOccurrences(of: #""USD"}}"#, with: #""USD"}"#))))
        let escapedKey = base.replacingOccurrences(of: #"{"amount":{"#, with: #"{"\u0061mount":{"#)
        XCTAssertNil(scan.projectedEvent(bytes(escapedKey)), "a member name with an escape")
    }
}
