import CanonicalJSON
import Crypto
@testable import EventLog
import SQLite
import TestSupport
import XCTest

/// Verification splits the ledger into chunks checked on several threads, reuses each chunk's
/// row array once the walk is done with it, and caches stream names in fixed slots. Whatever
/// the chunk size and thread count, it must report exactly the findings a single chunk does, at
/// the same seqs: tampering is placed on both sides of chunk boundaries, with chunks small
/// enough that every array is reused many times.
final class VerifyChunkBoundaryTests: XCTestCase {
    private var ledger: TestLedger!
    private var store: EventStore!
    private var raw: Connection!
    private static let events = 40
    /// (threads, rows per chunk); the first is the reference: one chunk holding every row.
    private static let configurations: [(Int, Int64)] = [(1, 4_096), (1, 1), (2, 1), (2, 3), (3, 7), (2, 8), (2, 4_096)]

    override func setUpWithError() throws {
        ledger = try TestLedger()
        store = try ledger.open()
        for batch in 0..<(Self.events / 8) {
            _ = try store.append((0..<8).map { i in proposed("project:\((batch * 8 + i) % 5)", "AnnualBudgetRevised", batch * 8 + i) },
                                 actor: recorder)
        }
        raw = try ledger.rawConnection()
        try raw.execute("DROP TRIGGER events_are_append_only_update; DROP TRIGGER events_are_append_only_delete")
    }

    /// The findings of every configuration, after checking that they all agree with the reference.
    private func findings(file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let readOnly = try ledger.open(.readOnly)
        var reference: (rows: Int64, findings: [String])?
        for (threads, chunk) in Self.configurations {
            let report = try ChainVerifier(store: readOnly, threads: threads, rowsPerChunk: chunk).verify()
            let found = report.findings.map { "\($0.seq) \($0.kind.rawValue): \($0.detail)" }
            if let reference {
                XCTAssertEqual(found, reference.findings, "\(threads) threads, \(chunk) rows per chunk", file: file, line: line)
                XCTAssertEqual(report.rowsChecked, reference.rows, "\(threads) threads, \(chunk) rows per chunk", file: file, line: line)
            } else {
                reference = (report.rowsChecked, found)
            }
        }
        return reference?.findings.map { String($0.prefix { $0 != ":" }) } ?? []
    }

    private func body(_ seq: Int64) throws -> [UInt8] {
        let s = try raw.prepare("SELECT body FROM events WHERE seq = ?1")
        try s.bind([.integer(seq)])
        XCTAssertTrue(try s.step())
        return s.blob(at: 0)
    }

    /// Flips the last digit of the first amount: still a canonical envelope, different bytes.
    private func flipAmount(_ seq: Int64) throws {
        var bytes = try body(seq)
        let pattern = Array("\"amount\":\"".utf8)
        let start = try XCTUnwrap((0...(bytes.count - pattern.count)).first { Array(bytes[$0..<($0 + pattern.count)]) == pattern })
        bytes[start + pattern.count] ^= 0x01
        try raw.prepare("UPDATE events SET body = ?1 WHERE seq = ?2").execute([.blob(bytes), .integer(seq)])
    }

    /// The plan's chunks, full ones then the small ones at the end, cover every seq exactly once
    /// and in order, whatever the sizes.
    func testTheChunkPlanCoversEverySeqOnceInOrder() {
        for (first, last) in [(Int64(1), Int64(0)), (1, 1), (1, 40), (5, 4_200), (1, 100_000), (17, 3)] {
            for rowsPerChunk: Int64 in [1, 3, 4, 7, 8, 1_024] {
                for threads in 1...3 {
                    let plan = ChunkPlan(first: first, last: last, rowsPerChunk: rowsPerChunk, threads: threads)
                    var next = first
                    for index in 0..<plan.count {
                        let seqs = plan.seqs(of: index)
                        XCTAssertEqual(seqs.lowerBound, next, "\(first)…\(last) by \(rowsPerChunk), \(threads) threads, chunk \(index)")
                        XCTAssertLessThanOrEqual(seqs.count, Int(rowsPerChunk))
                        next = seqs.upperBound + 1
                    }
                    XCTAssertEqual(next, max(first, last + 1), "\(first)…\(last) by \(rowsPerChunk), \(threads) threads")
                    if last - first + 1 > Int64(threads) * rowsPerChunk, rowsPerChunk >= 4 {
                        // The end is cut finer than the middle.
                        XCTAssertLessThan(plan.seqs(of: plan.count - 1).count, Int(rowsPerChunk))
                    }
                }
            }
        }
    }

    func testAnIntactLedgerIsIntactInEveryConfiguration() throws {
        XCTAssertEqual(try findings(), [])
        let report = try ChainVerifier(store: try ledger.open(.readOnly), threads: 3, rowsPerChunk: 2).verify()
        XCTAssertEqual(report.rowsChecked, Int64(Self.events))
        XCTAssertEqual(report.head.seq, Int64(Self.events))
        XCTAssertEqual(report.head.hash, try XCTUnwrap(try store.event(at: Int64(Self.events))).hash)
    }

    func testModifiedBodiesAroundChunkBoundariesAreReportedAtTheirSeqs() throws {
        // With 7 and 8 rows per chunk: seq 7 | 8 and 8 | 9 are boundaries, 16 | 17 too, 12 is inside.
        for seq: Int64 in [1, 7, 8, 9, 12, 16, 17, 40] { try flipAmount(seq) }
        XCTAssertEqual(try findings(), [1, 7, 8, 9, 12, 16, 17, 40].map { "\($0) modified" })
    }

    func testMissingRowsAtChunkBoundariesAreReportedAtTheirSeqs() throws {
        try raw.execute("DELETE FROM events WHERE seq IN (8, 9, 24)")
        XCTAssertEqual(try findings(), ["8 missing", "9 missing", "24 missing"])
    }

    func testRowsSwappedAcrossAChunkBoundaryAreReportedAsReordered() throws {
        try raw.execute("""
            UPDATE events SET seq = -8 WHERE seq = 8;
            UPDATE events SET seq = 8 WHERE seq = 9;
            UPDATE events SET seq = 9 WHERE seq = -8;
            """)
        XCTAssertEqual(try findings(), ["8 reordered", "9 reordered"])
    }

    func testARehashedEditAtTheEndOfAChunkBreaksTheLinkAtItsSeq() throws {
        let forged = try EventEnvelope(canonicalBytes: try body(16)).withForgedAmount()
        try raw.prepare("UPDATE events SET body = ?1, hash = ?2 WHERE seq = 16")
            .execute([.blob(forged.canonicalBytes), .blob(SHA256.hash(forged.canonicalBytes).bytes)])
        XCTAssertEqual(try findings(), ["16 broken-link"])
    }

    func testEditedColumnsOnEitherSideOfABoundaryAreColumnMismatches() throws {
        try raw.execute("UPDATE events SET type = 'Other' WHERE seq = 7")
        try raw.execute("UPDATE events SET recorded_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 9")
        try raw.execute("UPDATE events SET idempotency_key = 'forged' WHERE seq = 17")
        XCTAssertEqual(try findings(), ["7 column-mismatch", "9 column-mismatch", "17 column-mismatch"])
    }

    func testAStreamRenamedBehindTheCacheIsAColumnMismatchAtEachOfItsEvents() throws {
        try raw.execute("DROP TRIGGER streams_are_append_only_update")
        try raw.execute("UPDATE streams SET name = 'project:renamed' WHERE name = 'project:3'")
        // Events 4, 9, 14, … are in project:3 (the stream of event i is (i - 1) % 5).
        XCTAssertEqual(try findings(), stride(from: 4, through: Self.events, by: 5).map { "\($0) column-mismatch" })
    }

    // MARK: The stream name cache

    func testTheStreamNameCacheAnswersLikeAMapAcrossSlotCollisions() {
        var cache = StreamNameCache()
        var reference: [Int64: [UInt8]?] = [:]
        var g = SplitMix64(seed: 11)
        let ids: [Int64] = [1, 2, 3, 4_096, 4_097, 8_193, -1, 0, Int64.max, Int64.min, 12_288]
        for round in 0..<2_000 {
            let id = ids[Int(g.next() % UInt64(ids.count))]
            let length = Int(g.next() % 300)
            let name: [UInt8]? = round % 7 == 0 ? nil : (0..<length).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            cache.remember(name, for: id)
            reference[id] = name
            for probe in ids {
                guard let cached = cache.name(of: probe) else { continue }
                // Whatever the cache answers must be what was last remembered for that id.
                XCTAssertEqual(cached, reference[probe] ?? nil, "id \(probe)")
                let other: [UInt8] = Array("project:x".utf8)
                for candidate in [cached ?? [], other] {
                    let matches = candidate.withUnsafeBytes { cache.matches(probe, $0) }
                    XCTAssertEqual(matches, cached.map { $0 == candidate } ?? false, "id \(probe)")
                }
            }
            // A name that fits is cached; id 0 (no stream has it) and over-long names are not.
            let cachedNow = cache.name(of: id)
            if id == 0 || (name?.count ?? 0) > StreamNameCache.longestName {
                XCTAssertTrue(cachedNow == nil, "id \(id)")
            } else {
                XCTAssertEqual(cachedNow, .some(name), "id \(id)")
            }
        }
    }

    func testTheStreamNameCacheStaysRightWhenItsArenaFillsAndStartsAgain() {
        var cache = StreamNameCache()
        var reference: [Int64: [UInt8]] = [:]
        var g = SplitMix64(seed: 5)
        // 3,000 names of 150 to 250 bytes: more than the arena holds, and ids sharing slots.
        for id in Int64(1)...3_000 {
            let name = (0..<(150 + Int(g.next() % 101))).map { _ in UInt8(0x61 + g.next() % 26) }
            cache.remember(name, for: id)
            reference[id] = name
            XCTAssertEqual(cache.name(of: id), .some(name), "id \(id)")
            for _ in 0..<8 {
                let probe = Int64(1 + g.next() % UInt64(id))
                guard let cached = cache.name(of: probe) else { continue }
                XCTAssertEqual(cached, reference[probe], "id \(probe) after remembering \(id)")
                let expected = reference[probe]!
                XCTAssertEqual(expected.withUnsafeBytes { cache.matches(probe, $0) }, true, "id \(probe)")
                var other = expected
                other[other.count - 1] ^= 1
                XCTAssertEqual(other.withUnsafeBytes { cache.matches(probe, $0) }, false, "id \(probe)")
            }
        }
    }
}
