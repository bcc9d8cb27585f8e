import CanonicalJSON
import Crypto
import EventLog
import SQLite
import XCTest

/// Someone with write access to the file changes it the way they could — first dropping the
/// triggers that refuse updates and deletes — and verification must name the exact seq and kind.
final class TamperDetectionTests: XCTestCase {
    private var ledger: TestLedger!
    private var store: EventStore!
    private var raw: Connection!

    override func setUpWithError() throws {
        ledger = try TestLedger()
        store = try ledger.open()
        for batch in 0..<5 {
            _ = try store.append((0..<10).map { i in proposed("project:\((batch * 10 + i) % 4)", "AnnualBudgetRevised", batch * 10 + i) },
                                 actor: recorder)
        }
        raw = try ledger.rawConnection()
        try raw.execute("""
            DROP TRIGGER events_are_append_only_update; DROP TRIGGER events_are_append_only_delete;
            """)
        XCTAssertTrue(try verify().isIntact)
    }

    private func verify() throws -> VerificationReport {
        try ChainVerifier(store: try ledger.open(.readOnly)).verify()
    }

    private func findings() throws -> [String] {
        try verify().findings.map { "\($0.seq) \($0.kind.rawValue)" }
    }

    private func body(_ seq: Int64) throws -> [UInt8] {
        let s = try raw.prepare("SELECT body FROM events WHERE seq = ?1")
        try s.bind([.integer(seq)])
        XCTAssertTrue(try s.step())
        return s.blob(at: 0)
    }

    func testFlippedByteInAPayloadIsReportedAsModifiedAtItsSeq() throws {
        var bytes = try body(17)
        let pattern = Array("\"amount\":\"1".utf8)
        let start = try XCTUnwrap((0...(bytes.count - pattern.count)).first { Array(bytes[$0..<($0 + pattern.count)]) == pattern })
        bytes[start + pattern.count - 1] ^= 0x01  // "1" becomes "0": still valid JSON, a different amount
        try raw.prepare("UPDATE events SET body = ?1 WHERE seq = 17").execute([.blob(bytes)])
        XCTAssertEqual(try findings(), ["17 modified"])
    }

    func testEditedAmountWithItsOwnHashRecomputedBreaksTheLinkAtItsSeq() throws {
        let forged = try EventEnvelope(canonicalBytes: try body(23)).withForgedAmount()
        try raw.prepare("UPDATE events SET body = ?1, hash = ?2 WHERE seq = 23")
            .execute([.blob(forged.canonicalBytes), .blob(SHA256.hash(forged.canonicalBytes).bytes)])
        XCTAssertEqual(try findings(), ["23 broken-link"])
    }

    func testDeletedRowIsReportedAsMissingAtItsSeq() throws {
        try raw.execute("DELETE FROM events WHERE seq = 30")
        XCTAssertEqual(try findings(), ["30 missing"])
    }

    func testDeletedFirstAndLastRowsAreReported() throws {
        try raw.execute("DELETE FROM events WHERE seq = 1")
        XCTAssertEqual(try findings(), ["1 missing"])
        // The last row's deletion is a cut tail: the chain alone cannot see it (SECURITY.md).
        try raw.execute("DELETE FROM events WHERE seq = 50")
        XCTAssertEqual(try findings(), ["1 missing"])
    }

    func testTwoSwappedRowsAreReportedAsReordered() throws {
        try raw.execute("""
            UPDATE events SET seq = -10 WHERE seq = 10;
            UPDATE events SET seq = 10 WHERE seq = 11;
            UPDATE events SET seq = 11 WHERE seq = -10;
            """)
        XCTAssertEqual(try findings(), ["10 reordered", "11 reordered"])
    }

    func testSwappedContentsOfTwoRowsAreReportedAsReordered() throws {
        let b10 = try body(10), b11 = try body(11)
        let e10 = try EventEnvelope(canonicalBytes: b10), e11 = try EventEnvelope(canonicalBytes: b11)
        let update = try raw.prepare("""
            UPDATE events SET body = ?1, hash = ?2, stream_version = ?3, stream_id = (SELECT id FROM streams WHERE name = ?4),
            recorded_at = ?6 WHERE seq = ?5
            """)
        try raw.execute("UPDATE events SET stream_version = -1 WHERE seq = 11")  // out of the unique index's way
        try update.execute([.blob(b11), .blob(SHA256.hash(b11).bytes), .integer(e11.streamVersion), .text(e11.stream), .integer(10),
                            .text(e11.recordedAt.rfc3339)])
        try update.execute([.blob(b10), .blob(SHA256.hash(b10).bytes), .integer(e10.streamVersion), .text(e10.stream), .integer(11),
                            .text(e10.recordedAt.rfc3339)])
        XCTAssertEqual(try findings(), ["10 reordered", "11 reordered"])
    }

    func testInsertedRowIsReportedAsInsertedAtItsSeq() throws {
        // Make room at seq 41 by moving every later row up by one, then slip in a well-formed event
        // that even links correctly to seq 40.
        try raw.execute("UPDATE events SET seq = seq + 1000 WHERE seq >= 41; UPDATE events SET seq = seq - 999 WHERE seq >= 1041;")
        let e40 = try XCTUnwrap(try store.event(at: 40))
        let forged = EventEnvelope(
            seq: 41, stream: "project:forged", streamVersion: 1, type: "DisbursementRecorded", schemaVersion: 1,
            payload: budgetPayload(7, amount: "500000.00"), actor: recorder, recordedAt: e40.envelope.recordedAt,
            occurredAt: nil, correlationId: nil, causationId: nil, idempotencyKey: nil, prev: e40.hash)
        try raw.prepare("INSERT INTO streams (name) VALUES ('project:forged')").execute()
        try raw.prepare("""
            INSERT INTO events (seq, stream_id, stream_version, type, recorded_at, idempotency_key, hash, body)
            VALUES (41, (SELECT id FROM streams WHERE name = 'project:forged'), 1, 'DisbursementRecorded', ?1, NULL, ?2, ?3)
            """).execute([.text(e40.envelope.recordedAt.rfc3339), .blob(SHA256.hash(forged.canonicalBytes).bytes),
                          .blob(forged.canonicalBytes)])
        XCTAssertEqual(try findings(), ["41 inserted"])
    }

    func testEditedIndexColumnIsReportedAsColumnMismatch() throws {
        try raw.execute("UPDATE events SET type = 'DisbursementRecorded' WHERE seq = 5")
        let report = try verify()
        XCTAssertEqual(report.findings.map { "\($0.seq) \($0.kind.rawValue)" }, ["5 column-mismatch"])
        XCTAssertTrue(report.findings[0].detail.contains("type"), report.findings[0].detail)
    }

    /// The idempotency-key column is compared by asking SQLite whether it is NULL when the bytes
    /// have no key, and by its bytes when they have one: each way of disagreeing is a finding.
    func testIdempotencyKeyColumnDisagreeingWithTheBytesIsAColumnMismatch() throws {
        _ = try store.append([proposed("project:keyed", key: "req-51"), proposed("project:keyed", key: "req-52")], actor: recorder)
        XCTAssertTrue(try verify().isIntact, "NULL for no key and the key's text for a key agree with the bytes")
        try raw.execute("UPDATE events SET idempotency_key = 'req-6' WHERE seq = 6")
        try raw.execute("UPDATE events SET idempotency_key = '' WHERE seq = 7")
        try raw.execute("UPDATE events SET idempotency_key = NULL WHERE seq = 51")
        try raw.execute("UPDATE events SET idempotency_key = 'req-5' WHERE seq = 52")
        let report = try verify()
        XCTAssertEqual(report.findings.map { "\($0.seq) \($0.kind.rawValue)" },
                       ["6 column-mismatch", "7 column-mismatch", "51 column-mismatch", "52 column-mismatch"])
        for finding in report.findings { XCTAssertTrue(finding.detail.contains("idempotency_key"), finding.detail) }
    }

    /// `recordedAt` is read from the bytes in the same pass that checks its spelling; the column
    /// beside it must still match those bytes exactly.
    func testEditedRecordedAtColumnIsAColumnMismatch() throws {
        var spelling = Array(try XCTUnwrap(try raw.scalarText("SELECT recorded_at FROM events WHERE seq = 9")).utf8)
        spelling[25] = spelling[25] == UInt8(ascii: "9") ? UInt8(ascii: "8") : UInt8(ascii: "9")  // the last microsecond digit
        try raw.prepare("UPDATE events SET recorded_at = ?1 WHERE seq = 9").execute([.text(String(decoding: spelling, as: UTF8.self))])
        let report = try verify()
        XCTAssertEqual(report.findings.map { "\($0.seq) \($0.kind.rawValue)" }, ["9 column-mismatch"])
        XCTAssertTrue(report.findings[0].detail.contains("recorded_at"), report.findings[0].detail)
    }

    func testEveryFindingIsReportedNotOnlyTheFirst() throws {
        try raw.execute("UPDATE events SET type = 'Other' WHERE seq = 3")
        try raw.execute("DELETE FROM events WHERE seq = 30")
        var bytes = try body(44)
        bytes[bytes.count - 3] ^= 0x20  // flips the case of a letter of the type name
        try raw.prepare("UPDATE events SET body = ?1 WHERE seq = 44").execute([.blob(bytes)])
        XCTAssertEqual(try findings(), ["3 column-mismatch", "30 missing", "44 modified"])
    }

    func testStreamVersionGapIsReported() throws {
        // A consistent rewrite of one event's stream version and its columns, rehashed, with the
        // chain re-linked to the end, leaves only the stream discontinuity to see.
        var prev = try XCTUnwrap(try store.event(at: 47)).hash
        for seq in Int64(48)...50 {
            let e = try EventEnvelope(canonicalBytes: try body(seq))
            let version = seq == 48 ? e.streamVersion + 5 : e.streamVersion
            let rewritten = EventEnvelope(
                seq: e.seq, stream: e.stream, streamVersion: version, type: e.type, schemaVersion: e.schemaVersion,
                payload: e.payload, actor: e.actor, recordedAt: e.recordedAt, occurredAt: e.occurredAt,
                correlationId: e.correlationId, causationId: e.causationId, idempotencyKey: e.idempotencyKey, prev: prev)
            let hash = SHA256.hash(rewritten.canonicalBytes)
            try raw.prepare("UPDATE events SET body = ?1, hash = ?2, stream_version = ?3 WHERE seq = ?4")
                .execute([.blob(rewritten.canonicalBytes), .blob(hash.bytes), .integer(version), .integer(seq)])
            prev = hash
        }
        XCTAssertEqual(try findings(), ["48 stream-discontinuity"])
    }

    func testRecordedAtThatGoesBackwardsIsReported() throws {
        // Backdate seq 45 to before seq 44 and re-link the chain to the end, as an insider who
        // wanted an entry to look earlier would have to: only the clock's order gives it away.
        var prev = try XCTUnwrap(try store.event(at: 44)).hash
        let earlier = try XCTUnwrap(try store.event(at: 44)).envelope.recordedAt.microsecondsSinceEpoch - 3_600_000_000
        for seq in Int64(45)...50 {
            let e = try EventEnvelope(canonicalBytes: try body(seq))
            let recordedAt = seq == 45 ? Timestamp(microsecondsSinceEpoch: earlier) : e.recordedAt
            let rewritten = EventEnvelope(
                seq: e.seq, stream: e.stream, streamVersion: e.streamVersion, type: e.type, schemaVersion: e.schemaVersion,
                payload: e.payload, actor: e.actor, recordedAt: recordedAt, occurredAt: e.occurredAt,
                correlationId: e.correlationId, causationId: e.causationId, idempotencyKey: e.idempotencyKey, prev: prev)
            let hash = SHA256.hash(rewritten.canonicalBytes)
            try raw.prepare("UPDATE events SET body = ?1, hash = ?2, recorded_at = ?3 WHERE seq = ?4")
                .execute([.blob(rewritten.canonicalBytes), .blob(hash.bytes), .text(recordedAt.rfc3339), .integer(seq)])
            prev = hash
        }
        XCTAssertEqual(try findings(), ["45 recorded-at-decreased"])
    }
}
