import CanonicalJSON
import Crypto
@testable import EventLog
import SQLite
import XCTest

final class AppendTests: XCTestCase {
    func testBatchGetsConsecutiveSeqsLinkedHashesAndStreamVersions() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let first = try store.append([proposed("project:A", "ProjectProposed"), proposed("project:B", "ProjectProposed")], actor: recorder)
        let second = try store.append([proposed("project:A"), proposed("project:A")], actor: recorder)
        let all = (first + second).map(\.event)
        XCTAssertEqual(all.map(\.seq), [1, 2, 3, 4])
        XCTAssertEqual(all.map(\.envelope.streamVersion), [1, 1, 2, 3])
        XCTAssertEqual(all[0].envelope.prev, .zero)
        for i in 1..<all.count {
            XCTAssertEqual(all[i].envelope.prev, all[i - 1].hash, "event \(i + 1) links to its predecessor")
        }
        for event in all {
            XCTAssertEqual(event.hash, SHA256.hash(event.canonicalBytes))
            XCTAssertEqual(event.envelope.actor, recorder)
        }
        // What is read back comes from the stored bytes and equals what was returned.
        XCTAssertEqual(try store.events(EventQuery()), all)
        XCTAssertEqual(try store.head().seq, 4)
        XCTAssertEqual(try store.version(of: "project:A"), 3)
        XCTAssertEqual(try store.version(of: "project:none"), 0)
    }

    func testWrongExpectedVersionIsRefusedWithActualVersionAndNothingIsWritten() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        _ = try store.append([proposed("project:A", expectedVersion: 0), proposed("project:A", expectedVersion: 1)], actor: recorder)
        XCTAssertThrowsError(try store.append([proposed("project:B"), proposed("project:A", expectedVersion: 1)], actor: recorder)) { error in
            XCTAssertEqual(error as? AppendError,
                           .wrongExpectedVersion(index: 1, stream: "project:A", expected: 1, actual: 2))
            XCTAssertTrue("\(error)".contains("project:A"))
            XCTAssertTrue("\(error)".contains("version 2"))
        }
        XCTAssertEqual(try store.head().seq, 2, "the valid first event of the refused batch was not written either")
        XCTAssertEqual(try store.version(of: "project:B"), 0)
        XCTAssertThrowsError(try store.append([proposed("project:A", expectedVersion: 0)], actor: recorder)) { error in
            XCTAssertEqual(error as? AppendError, .wrongExpectedVersion(index: 0, stream: "project:A", expected: 0, actual: 2))
        }
        let next = try store.append([proposed("project:A", expectedVersion: 2)], actor: recorder)
        XCTAssertEqual(next[0].event.seq, 3)
        XCTAssertEqual(next[0].event.envelope.prev, try store.event(at: 2)?.hash)
    }

    func testIdempotentRetryReturnsTheOriginalAndDifferentContentIsRefused() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let original = try store.append([proposed("project:A", key: "req-1")], actor: recorder)[0]
        XCTAssertFalse(original.wasAlreadyRecorded)
        let retry = try store.append([proposed("project:A", key: "req-1")], actor: recorder)[0]
        XCTAssertTrue(retry.wasAlreadyRecorded)
        XCTAssertEqual(retry.event, original.event)
        XCTAssertEqual(try store.head().seq, 1)

        XCTAssertThrowsError(try store.append([proposed("project:B"), proposed("project:A", key: "req-1", amount: "9.99")], actor: recorder)) { error in
            XCTAssertEqual(error as? AppendError, .idempotencyConflict(index: 1, key: "req-1", originalSeq: 1))
        }
        let otherUser = try Actor(id: "user:other")
        XCTAssertThrowsError(try store.append([proposed("project:A", key: "req-1")], actor: otherUser),
                             "the same key from another user is not a retry")
        XCTAssertEqual(try store.head().seq, 1)
        // Within one batch, a repeated key with the same content is recorded once.
        let batch = try store.append([proposed("project:C", key: "req-2"), proposed("project:C", key: "req-2")], actor: recorder)
        XCTAssertEqual(batch.map(\.event.seq), [2, 2])
        XCTAssertEqual(batch.map(\.wasAlreadyRecorded), [false, true])
    }

    func testTriggersRefuseUpdateAndDeleteFromAnyClient() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        _ = try store.append([proposed("project:A")], actor: recorder)
        let raw = try ledger.rawConnection()
        for sql in ["UPDATE events SET type = 'X'", "DELETE FROM events", "UPDATE streams SET name = 'x'",
                    "DELETE FROM ledger_meta"] {
            XCTAssertThrowsError(try raw.execute(sql), sql) { error in
                XCTAssertTrue((error as! SQLiteError).message.contains("append-only"), "\(error)")
            }
        }
        XCTAssertTrue(try ChainVerifier(store: store).verify().isIntact)
    }

    func testFullDiskLeavesTheLedgerExactlyAsItWas() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        _ = try store.append((0..<20).map { proposed("project:\($0 % 3)", "AnnualBudgetPlanned", $0) }, actor: recorder)
        let before = try store.head()
        var options = EventStore.Options()
        let pages = try XCTUnwrap(try ledger.rawConnection().scalarInt64("PRAGMA page_count"))
        options.maximumPageCount = pages
        let capped = try ledger.open(options: options)
        let big = (0..<400).map { proposed("project:big", "AnnualBudgetPlanned", $0) }
        XCTAssertThrowsError(try capped.append(big, actor: recorder)) { error in
            XCTAssertEqual(error as? AppendError, .store(.diskFull(path: ledger.path)))
            XCTAssertTrue("\(error)".contains("nothing was written"), "\(error)")
        }
        XCTAssertEqual(try capped.head(), before)
        XCTAssertEqual(try store.version(of: "project:big"), 0)
        XCTAssertTrue(try ChainVerifier(store: store).verify().isIntact)
        // Once there is room again, appending continues the same chain.
        let next = try store.append([proposed("project:A")], actor: recorder)[0].event
        XCTAssertEqual(next.seq, before.seq + 1)
        XCTAssertEqual(next.envelope.prev, before.hash)
    }

    func testDurableByDefaultInWALModeAndNormalOnlyWhenAskedFor() throws {
        let ledger = try TestLedger()
        func pragma(_ store: EventStore, _ name: String) throws -> String? {
            try store.writer!.withLock { try $0.connection.scalarText("PRAGMA \(name)") }
        }
        let store = try ledger.open()
        XCTAssertEqual(try pragma(store, "journal_mode"), "wal")
        XCTAssertEqual(try pragma(store, "synchronous"), "2", "FULL: every commit is synced before it is acknowledged")
        var options = EventStore.Options()
        options.durability = .normal
        XCTAssertEqual(try pragma(try ledger.open(options: options), "synchronous"), "1")
    }

    func testReadOnlyStoreRefusesToAppend() throws {
        let ledger = try TestLedger()
        let reader = try ledger.open(.readOnly)
        XCTAssertThrowsError(try reader.append([proposed("project:A")], actor: recorder)) { error in
            XCTAssertEqual(error as? AppendError, .store(.readOnly(path: ledger.path)))
        }
    }

    func testReadsFilterBySeqRangeStreamAndType() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        var batch: [ProposedEvent] = []
        for i in 0..<30 {
            batch.append(proposed("project:\(i % 3)", i % 2 == 0 ? "CommitmentRecorded" : "DisbursementRecorded", i))
        }
        _ = try store.append(batch, actor: recorder)
        XCTAssertEqual(try store.events(EventQuery(fromSeq: 5, toSeq: 9)).map(\.seq), [5, 6, 7, 8, 9])
        XCTAssertEqual(try store.events(EventQuery(stream: "project:1")).map(\.seq), Array(stride(from: 2, through: 29, by: 3)))
        XCTAssertEqual(try store.events(EventQuery(type: "DisbursementRecorded", limit: 3)).map(\.seq), [2, 4, 6])
        XCTAssertEqual(try store.events(EventQuery(fromSeq: 10, stream: "project:0", type: "CommitmentRecorded")).map(\.seq), [13, 19, 25])
        var seen = 0
        try store.read(EventQuery()) { _ in seen += 1; return seen < 4 }
        XCTAssertEqual(seen, 4, "returning false stops the read")
    }

    func testRecordedAtNeverDecreasesAndIsCanonical() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        for i in 0..<5 { _ = try store.append([proposed("project:A", "CommitmentRecorded", i)], actor: recorder) }
        let times = try store.events(EventQuery()).map(\.envelope.recordedAt)
        XCTAssertEqual(times, times.sorted())
        XCTAssertLessThan(abs(times.last!.microsecondsSinceEpoch - Timestamp.now().microsecondsSinceEpoch), 60_000_000)
    }

    func testProposedEventsRefuseFloatsActorsAndLedgerMembersNamingTheField() throws {
        func refusal(_ json: String) -> EnvelopeError? {
            do {
                _ = try ProposedEvent(json: JSONValue.parse(json))
                return nil
            } catch {
                return error as? EnvelopeError
            }
        }
        XCTAssertEqual(refusal(#"{"stream":"project:A","type":"X","payload":{"amount":{"value":1.5}}}"#)?.pointer, "/payload/amount/value")
        XCTAssertEqual(refusal(#"{"stream":"project:A","type":"X","payload":{},"actor":{"id":"x"}}"#)?.pointer, "/actor")
        XCTAssertEqual(refusal(#"{"stream":"project:A","type":"X","payload":{},"seq":4}"#)?.pointer, "/seq")
        XCTAssertEqual(refusal(#"{"stream":"project:A","type":"X","payload":{},"colour":4}"#), .unexpectedMember(pointer: "/colour"))
        XCTAssertEqual(refusal(#"{"stream":"project:A","type":"X"}"#), .missingMember(pointer: "/payload"))
        XCTAssertEqual(refusal(#"{"stream":"has space","type":"X","payload":{}}"#)?.pointer, "/stream")
        XCTAssertEqual(refusal(#"{"stream":"project:A","type":"lowercase","payload":{}}"#)?.pointer, "/type")
        XCTAssertEqual(refusal(#"{"stream":"project:A","type":"X","payload":{},"occurredAt":"2026-02-30"}"#)?.pointer, "/occurredAt")
        XCTAssertEqual(refusal(#"{"stream":"project:A","type":"X","payload":{},"expectedVersion":-1}"#)?.pointer, "/expectedVersion")
        XCTAssertEqual(refusal(#"{"stream":"project:A","type":"X","payload":[]}"#), .wrongType(pointer: "/payload", expected: "an object"))
        XCTAssertNil(refusal(#"{"stream":"project:A","type":"X","payload":{"n":9007199254740991},"occurredAt":"2026-02-28"}"#))
    }

    func testOpeningSomethingThatIsNotALedgerFailsClearly() throws {
        let ledger = try TestLedger()
        let other = ledger.directory.appendingPathComponent("other.sqlite").path
        let raw = try Connection(path: other, mode: .readWriteCreate)
        try raw.execute("CREATE TABLE t(x)")
        XCTAssertThrowsError(try EventStore(openingAt: other)) { error in
            guard case .notALedger = error as? StoreError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try EventStore(openingAt: ledger.directory.appendingPathComponent("missing").path)) { error in
            guard case .notFound = error as? StoreError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try EventStore.create(at: ledger.path)) { error in
            XCTAssertEqual(error as? StoreError, .alreadyExists(path: ledger.path))
        }
    }

    func testTwoStoresOnOneFileAppendingAtOnceNeverForkTheChain() throws {
        let ledger = try TestLedger()
        let stores = [try ledger.open(), try ledger.open()]
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for i in 0..<100 {
                _ = try! stores[worker].append([proposed("project:w\(worker)", "CommitmentRecorded", i),
                                                proposed("project:shared", "CommitmentRecorded", i)], actor: recorder)
            }
        }
        let events = try stores[0].events(EventQuery())
        XCTAssertEqual(events.map(\.seq), Array(1...400))
        XCTAssertEqual(try stores[0].version(of: "project:shared"), 200)
        let report = try ChainVerifier(store: stores[0]).verify()
        XCTAssertTrue(report.isIntact, "\(report.findings)")
    }
}
