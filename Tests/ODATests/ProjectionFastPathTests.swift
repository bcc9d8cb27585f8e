import CanonicalJSON
import EventLog
import Foundation
import XCTest
@testable import ODA

/// The fast paths of the projection against the reference path, on every event type of the
/// catalogue and on payloads chosen to trip a byte reader (odd amounts, escapes, non-ASCII text,
/// members of unexpected types, reversals of seqs that are not transactions):
/// - the append path writes rows in multi-row inserts and applies a reversal of a pending row in
///   memory, where one event per append writes each row alone and reverses it by `UPDATE`;
/// - the full rebuild scans on a second thread, chunk by chunk (`TransactionScanStage`), where the
///   reference applies the decoded events one batch at a time on one thread.
final class ProjectionFastPathTests: XCTestCase {
    /// Every example of the catalogue (on a project stream when it has one), the rebuild tests'
    /// mixed history, and the scan tests' odd payloads in every transaction type, in batches.
    static func batches() throws -> [(Actor, [ProposedEvent])] {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.schemas.appendingPathComponent("examples").path)
        let types = files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }.sorted()
        XCTAssertGreaterThan(types.count, 25, "the catalogue's examples")
        var catalogue: [ProposedEvent] = []
        for project in ProjectionRebuildTests.projects.prefix(2) {
            for type in types {
                var event = try Repository.example(type)
                if event.stream.hasPrefix("project:") { event.stream = "project:" + project }
                if type == "ProjectProposed" { event.payload["projectId"] = .string(project) }
                catalogue.append(event)
            }
        }
        var odd: [ProposedEvent] = []
        for (index, payload) in StoredEventScanTests.payloads().enumerated() {
            for type in StoredEventScanTests.types {
                odd.append(try ProposedEvent(stream: "project:\(ProjectionRebuildTests.projects[index % 3])", type: type, payload: payload))
            }
        }
        return [(proposer, catalogue)] + (try ProjectionRebuildTests.history(count: 1_500)) + [(approver, odd)]
    }

    func digest(_ store: EventStore) throws -> ProjectionDigest {
        try store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
    }

    /// The digest of the reference rebuild: decoded events applied batch by batch on one thread.
    func referenceDigest(_ store: EventStore, through seq: Int64? = nil) throws -> ProjectionDigest {
        try store.rebuild(RebuildVariantProjector(chunkSize: nil), through: seq, swap: false) {
            try ProjectionDigest(of: $0, prefix: $1)
        }.result
    }

    func testTheLiveTablesOfTheCatalogueAndOddPayloadsEqualTheReferenceAndTheScanReadsThemAll() throws {
        let fast = try TemporaryLedger(projected: true)
        for (actor, batch) in try Self.batches() { _ = try fast.store.append(batch, actor: actor) }
        XCTAssertEqual(try digest(fast.store), try referenceDigest(fast.store))

        // The rebuild's byte path reads every transaction event here, and the rows are many and varied.
        var scan = StoredEventScan()
        var scanned = 0, transactions = 0
        try fast.store.read { event in
            guard TransactionEventType(event.envelope.type) != nil else { return true }
            transactions += 1
            if let projected = scan.projectedEvent(StoredEventBytes(seq: event.seq, canonicalBytes: event.canonicalBytes)) {
                scanned += 1
                XCTAssertEqual(projected.transaction?.facts, TransactionFacts(payload: event.envelope.payload), "seq \(event.seq)")
            }
            return true
        }
        XCTAssertGreaterThan(scanned, 1_000)
        XCTAssertEqual(scanned, transactions, "escapes and odd members in payloads are read from the bytes too")
        let counts = try fast.store.withProjectionSnapshot { db in
            (try db.scalarInt64("SELECT count(*) FROM proj_transactions") ?? 0,
             try db.scalarInt64("SELECT count(*) FROM proj_transactions WHERE reversed_by IS NOT NULL") ?? 0,
             try db.scalarInt64("SELECT count(DISTINCT currency) FROM proj_transactions") ?? 0)
        }
        XCTAssertGreaterThan(counts.0, 700)
        XCTAssertGreaterThan(counts.1, 10, "reversals reach rows written in the same and in earlier batches")
        XCTAssertGreaterThan(counts.2, 2)
    }

    /// The append path applies a reversal of a row still pending in memory and one of a written
    /// row by `UPDATE`, without writing the pending rows first: large batches (pending rows, full
    /// multi-row inserts and reversals of both, of other projects' and of later seqs) must leave
    /// the tables that one event per append leaves, where every reversal meets a written row.
    func testReversalsOfPendingAndWrittenRowsGiveTheTablesOfOneEventPerAppend() throws {
        let events = try ProjectionRebuildTests.history(count: 900).flatMap(\.1)
        let batched = try TemporaryLedger(projected: true)
        for start in stride(from: 0, to: events.count, by: 150) {
            _ = try batched.store.append(Array(events[start..<min(start + 150, events.count)]), actor: approver)
        }
        let single = try TemporaryLedger(projected: true)
        for event in events { _ = try single.store.append([event], actor: approver) }
        XCTAssertEqual(try digest(batched.store), try digest(single.store))
        XCTAssertEqual(try digest(batched.store), try referenceDigest(batched.store))
        let reversed = try batched.store.withProjectionSnapshot { db in
            try db.scalarInt64("SELECT count(*) FROM proj_transactions WHERE reversed_by IS NOT NULL") ?? 0
        }
        XCTAssertGreaterThanOrEqual(reversed, 10)
    }

    func testThePipelinedRebuildEqualsTheReferenceForEveryChunkSize() throws {
        let ledger = try TemporaryLedger(projected: true)
        for (actor, batch) in try Self.batches() { _ = try ledger.store.append(batch, actor: actor) }
        let live = try digest(ledger.store)
        XCTAssertEqual(try referenceDigest(ledger.store), live)
        let head = try ledger.store.head().seq
        for chunkSize in [1, 2, 7, 64, 1_000, ProjectionRebuild.defaultChunkSize] {
            let rebuilt = try ledger.store.rebuild(RebuildVariantProjector(chunkSize: chunkSize), swap: false) {
                try ProjectionDigest(of: $0, prefix: $1)
            }
            XCTAssertEqual(rebuilt.result, live, "chunks of \(chunkSize)")
            // A rebuild that stops inside a chunk equals the reference stopped there.
            let partial = head / 3 + 1
            XCTAssertEqual(try ledger.store.rebuild(RebuildVariantProjector(chunkSize: chunkSize), through: partial, swap: false) {
                try ProjectionDigest(of: $0, prefix: $1)
            }.result, try referenceDigest(ledger.store, through: partial), "chunks of \(chunkSize)")
        }
        let swapped = try ledger.store.rebuild(RebuildVariantProjector(chunkSize: 5), swap: true) { try ProjectionDigest(of: $0, prefix: $1) }
        XCTAssertEqual(swapped.result, live)
    }

    /// The rebuild reads every other event from its bytes too (envelope members scanned, only the
    /// payload parsed): each must equal the decoded envelope, payload included, and a plain
    /// transaction scan (the audit trail's) still declines them.
    func testTheScanOfOtherEventsEqualsTheDecodedEnvelope() throws {
        let ledger = try TemporaryLedger()
        for (actor, batch) in try Self.batches() { _ = try ledger.store.append(batch, actor: actor) }
        var scan = StoredEventScan()
        var others = Set<String>(), transactions = 0
        try ledger.store.read { event in
            let stored = StoredEventBytes(seq: event.seq, canonicalBytes: event.canonicalBytes)
            let e = event.envelope
            let fast = try XCTUnwrap(scan.projectedEvent(stored, otherPayloads: true), "seq \(e.seq) \(e.type)")
            assertScannedEnvelope(fast, equals: e)
            if let (type, facts) = fast.transaction {
                XCTAssertEqual(type.name, e.type)
                XCTAssertEqual(facts, TransactionFacts(payload: e.payload), "seq \(e.seq)")
                XCTAssertTrue(fast.payload.isEmpty)
                transactions += 1
            } else {
                XCTAssertNil(TransactionEventType(e.type))
                XCTAssertEqual(fast.payload, e.payload, "seq \(e.seq) \(e.type)")
                XCTAssertNil(scan.projectedEvent(stored), "seq \(e.seq): declined without otherPayloads")
                others.insert(e.type)
            }
            return true
        }
        XCTAssertGreaterThan(others.count, 20, "the catalogue's other types")
        XCTAssertGreaterThan(transactions, 1_000)
    }

    /// The append path reads a transaction payload in one pass, amounts through a currency cache
    /// and the scan's decimal reader (`TransactionFactsReader`): equal to the reference reading of
    /// every odd payload, in any order of currencies met.
    func testTheOnePassFactsReadingEqualsTheReference() throws {
        let payloads = StoredEventScanTests.payloads()
        XCTAssertGreaterThan(payloads.count, 50)
        var reader = TransactionFactsReader()
        var amounts = 0
        for payload in payloads + payloads.reversed() {
            let reference = TransactionFacts(payload: payload)
            XCTAssertEqual(TransactionFacts(payload: payload, reader: &reader), reference, "\(payload)")
            if reference.amount != nil { amounts += 1 }
        }
        XCTAssertGreaterThan(amounts, 40, "amounts that parse, both ways round")
        // Amount objects with extra members, or members of other types, as `Amount(json:)` reads them.
        for amount: JSONValue in [["amount": "5", "currency": "USD", "note": "x"], ["amount": 5, "currency": "USD"],
                                  ["amount": "5", "currency": ["USD"]], ["currency": "USD"], "5 USD", ["amount": "5.5", "currency": "LAK"]] {
            let payload: JSONObject = ["amount": amount]
            XCTAssertEqual(TransactionFacts(payload: payload, reader: &reader), TransactionFacts(payload: payload), "\(amount)")
        }
    }

    /// A stream's project id cut from its bytes equals the reference (`hasPrefix`, `dropFirst`),
    /// also where a combining mark after the colon makes `hasPrefix` false.
    func testTheProjectOfAStreamEqualsTheCharacterReading() {
        let streams = ["project:LA-MPI-2026-00001", "project:", "project:X", "project:\u{301}X", "project:\u{200D}", "project:é",
                       "project:ບ", "projectX", "project", "", "Project:X", "fx:LAK", "project::", "proje\u{301}ct:X", "project:\r\n"]
        for stream in streams {
            let reference = stream.hasPrefix("project:") ? String(stream.dropFirst("project:".count)) : nil
            let fast = ProjectedEvent.projectID(ofStream: stream)
            XCTAssertEqual(fast, reference, "\(stream.unicodeScalars.map { String($0.value, radix: 16) })")
            XCTAssertEqual(fast.map { Array($0.utf8) }, reference.map { Array($0.utf8) })
        }
        XCTAssertNil(ProjectedEvent.projectID(ofStream: "project:\u{301}X"), "the colon joined with the mark is no prefix")
        XCTAssertTrue("LA-1".hasSameBytes(as: "LA-1"))
        XCTAssertFalse("\u{E9}".hasSameBytes(as: "e\u{301}"), "canonically equal, other bytes")
        XCTAssertFalse("ab".hasSameBytes(as: "abc"))
        // Against the bytes compared one by one: short and long strings, differing first, last
        // or nowhere, with NULs, non-ASCII, and equal texts built in different ways.
        let long = "project:LA-MPI-2026-00042-and-more"
        let texts = ["", "a", "\u{0}", "a\u{0}", "ວຽງຈັນ", "2026-03-02", "2026-03-03", "3026-03-02", long, long + "x",
                     "X" + long.dropFirst(), String(long.dropLast()) + "!", String(repeating: "kip", count: 100),
                     String(repeating: "kip", count: 99) + "kiq", String(long.utf8.map { Character(UnicodeScalar($0)) })]
        for a in texts {
            for b in texts {
                XCTAssertEqual(a.hasSameBytes(as: b), Array(a.utf8) == Array(b.utf8), "\(a.debugDescription) vs \(b.debugDescription)")
            }
        }
    }
}
