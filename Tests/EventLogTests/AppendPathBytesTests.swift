import CanonicalJSON
import Crypto
@testable import EventLog
import XCTest

/// The append path writes envelope bytes with its own fast serialiser; they must be exactly the
/// RFC 8785 bytes of the envelope's JSON value, or hashes would depend on which path wrote them.
final class AppendPathBytesTests: XCTestCase {
    func testFastEnvelopeBytesAreTheCanonicalBytesOfItsJSONValue() throws {
        var payload = budgetPayload(9)
        payload["note"] = .string("ວຽງຈັນ tab\t quote\" back\\ ctl\u{1}")
        let prev = SHA256.hash(Array("previous event".utf8))
        let actors = [try Actor(id: "user:a", role: "recorder", unit: "LA-VT"), try Actor(id: "local:root")]
        for actor in actors {
            for (seq, version) in [(1, 1), (9, 10), (9_007_199_254_740_991, 123_456_789)] as [(Int64, Int64)] {
                let envelope = EventEnvelope(
                    seq: seq, stream: "project:LA-MPI-2026-0001", streamVersion: version, type: "AnnualBudgetRevised",
                    schemaVersion: 3, payload: payload, actor: actor,
                    recordedAt: try XCTUnwrap(Timestamp(canonical: "2026-03-02T02:15:07.123456Z")), occurredAt: "2026-03-01",
                    correlationId: "corr-1", causationId: nil, idempotencyKey: "idem-\(seq)", prev: prev)
                XCTAssertEqual(String(decoding: envelope.canonicalBytes, as: UTF8.self), envelope.jsonValue.canonicalString)
                let shared = EventEnvelope.SharedFragments(actor: actor, recordedAt: envelope.recordedAt)
                XCTAssertEqual(envelope.canonicalBytes(sharing: shared), envelope.jsonValue.canonicalBytes)
            }
        }
    }

    func testDigestsParseOnlyLowercaseHexOfTheRightLength() throws {
        let digest = SHA256.hash(Array("abc".utf8))
        let hex = Array(digest.hex.utf8)
        XCTAssertEqual(digest.hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex.withUnsafeBytes { SHA256Digest(lowercaseHex: $0) }, digest)
        XCTAssertNil(Array(digest.hex.uppercased().utf8).withUnsafeBytes { SHA256Digest(lowercaseHex: $0) })
        XCTAssertNil(Array(hex.dropLast()).withUnsafeBytes { SHA256Digest(lowercaseHex: $0) })
        var wrong = hex
        wrong[10] = UInt8(ascii: "g")
        XCTAssertNil(wrong.withUnsafeBytes { SHA256Digest(lowercaseHex: $0) })
        XCTAssertEqual(try SHA256Digest(bytes: digest.bytes), digest)
        XCTAssertNotEqual(try SHA256Digest(bytes: Array(digest.bytes.reversed())), digest)
        XCTAssertEqual(Set([digest, try SHA256Digest(hex: digest.hex), .zero]).count, 2)
    }
}

/// The verifier's hand-off from checker threads to the chain walk.
final class ChunkPipelineTests: XCTestCase {
    func testChunksReachTheConsumerInOrderWhicheverProducerFinishesFirst() throws {
        let pipeline = ChunkPipeline<Int>(window: 4)
        let producers = 3, chunks = 60
        for k in 0..<producers {
            Thread.detachNewThread {
                for index in stride(from: k, to: chunks, by: producers) {
                    usleep(UInt32((index * 7919) % 500))
                    pipeline.put(index, .success(index * 10))
                }
            }
        }
        let taken = try (0..<chunks).map { try pipeline.take($0) }
        XCTAssertEqual(taken, (0..<chunks).map { $0 * 10 })
    }

    func testClaimedChunksAreEachCheckedOnceAndReachTheConsumerInOrder() throws {
        let chunks = 200
        let pipeline = ChunkPipeline<[Int]>(window: 3, count: chunks)
        let claims = NSLock()
        nonisolated(unsafe) var claimedBy: [Int: Int] = [:]
        for k in 0..<4 {
            Thread.detachNewThread {
                while let index = pipeline.claim() {
                    claims.lock()
                    claimedBy[index, default: 0] += 1
                    claims.unlock()
                    // Uneven work, so producers overtake one another and wait at the window's edge.
                    usleep(UInt32((index * 7919 + k * 31) % 400))
                    guard pipeline.put(index, .success([index, k])) else { return }
                }
            }
        }
        let taken = try (0..<chunks).map { try pipeline.take($0) }
        XCTAssertEqual(taken.map { $0[0] }, Array(0..<chunks))
        XCTAssertNil(pipeline.claim(), "every chunk has been claimed")
        claims.lock()
        XCTAssertEqual(claimedBy.count, chunks)
        XCTAssertTrue(claimedBy.values.allSatisfy { $0 == 1 }, "a chunk was claimed twice")
        claims.unlock()
        // More than one producer did the work.
        XCTAssertGreaterThan(Set(taken.map { $0[1] }).count, 1)
    }

    func testClaimingStopsWhenTheConsumerCancels() {
        let pipeline = ChunkPipeline<Int>(window: 2, count: 10)
        XCTAssertEqual(pipeline.claim(), 0)
        XCTAssertEqual(pipeline.claim(), 1)
        pipeline.cancel()
        XCTAssertNil(pipeline.claim())
        XCTAssertNil(ChunkPipeline<Int>(window: 2).claim(), "no chunks to hand out")
    }

    func testAFailedChunkThrowsAtItsTurn() throws {
        struct Broken: Error {}
        let pipeline = ChunkPipeline<Int>(window: 2)
        pipeline.put(1, .failure(Broken()))
        pipeline.put(0, .success(7))
        XCTAssertEqual(try pipeline.take(0), 7)
        XCTAssertThrowsError(try pipeline.take(1)) { XCTAssertTrue($0 is Broken) }
    }

    func testCancelReleasesAProducerWaitingTooFarAhead() {
        let pipeline = ChunkPipeline<Int>(window: 1)
        XCTAssertTrue(pipeline.put(0, .success(0)))
        let released = expectation(description: "the producer ahead of the window is released")
        Thread.detachNewThread {
            // Chunk 1 is outside the window until chunk 0 is taken, which never happens.
            if !pipeline.put(1, .success(1)) { released.fulfill() }
        }
        usleep(50_000)
        pipeline.cancel()
        wait(for: [released], timeout: 5)
        XCTAssertTrue(pipeline.isCancelled)
    }
}

/// Bulk reads fetch later batches on a second thread; what the caller sees must not change.
final class StoredReadTests: XCTestCase {
    func testBatchedReadsDeliverEveryEventInOrderAndStopAtACorruptRow() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let count = 3 * StoredBatch.capacity + 3
        _ = try store.append((0..<count).map { proposed("project:P\($0 % 7)", "AnnualBudgetRevised", $0) }, actor: recorder)
        var seqs: [Int64] = []
        try store.readStored { event in
            XCTAssertEqual(event.hash, SHA256.hash(event.canonicalBytes))
            seqs.append(event.seq)
            return true
        }
        XCTAssertEqual(seqs, Array(1...Int64(count)))

        // A row well inside the second batch, fetched on the second thread, no longer holds an envelope.
        let corrupt = Int64(StoredBatch.capacity + 40)
        let raw = try ledger.rawConnection()
        try raw.execute("DROP TRIGGER events_are_append_only_update")
        try raw.prepare("UPDATE events SET body = ?1 WHERE seq = ?2").execute([.blob(Array("{\"seq\":1}".utf8)), .integer(corrupt)])
        var delivered: [Int64] = []
        XCTAssertThrowsError(try store.readStored { delivered.append($0.seq); return true }) { error in
            guard case let .corruptEvent(seq, _)? = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(seq, corrupt)
        }
        XCTAssertEqual(delivered, Array(1..<corrupt), "every row before the corrupt one is delivered first")

        var early: [Int64] = []
        try store.readStored { early.append($0.seq); return early.count < 3 }
        XCTAssertEqual(early, [1, 2, 3])
    }
}
