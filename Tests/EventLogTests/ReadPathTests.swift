import CanonicalJSON
import Crypto
@testable import EventLog
import SQLite
import TestSupport
import XCTest

/// The fast paths of reading and verifying (the one-pass scanner, the pipelined bulk read, the
/// cached stream names and word-wise column comparison) held to the slow reference paths.
final class ReadPathTests: XCTestCase {
    // MARK: Scanner against the full decoder, over random envelopes

    /// Characters that stress the scanner: escapes, controls, multi-byte UTF-8, and noncharacters
    /// (U+FFFF, U+FDD0, U+FDEF, U+1FFFE, U+10FFFF), which I-JSON forbids.
    private static let alphabet: [String] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\u{1}", "\u{1F}", "\u{7F}", "\t", "\n", "é", "ວ", "\u{1F600}", "\u{E000}",
        "\u{FFFF}", String(Unicode.Scalar(0xFDD0 as UInt32)!), String(Unicode.Scalar(0xFDEF as UInt32)!), "\u{FDCF}", "\u{FFFD}",
        "\u{1FFFE}", "\u{10FFFF}", "\u{10FFFD}", "-", ".", "e",
    ]

    private func randomString(_ g: inout SplitMix64, maxLength: Int = 12) -> String {
        String((0..<Int.random(in: 0...maxLength, using: &g)).map { _ in Self.alphabet.randomElement(using: &g)! }.joined())
    }

    private func randomValue(_ g: inout SplitMix64, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 7), using: &g) {
        case 0: return .integer(Int64.random(in: -9_007_199_254_740_991...9_007_199_254_740_991, using: &g) >> Int64.random(in: 0...52, using: &g))
        case 1: return .string(randomString(&g))
        case 2: return [.bool(true), .bool(false), .null][Int.random(in: 0..<3, using: &g)]
        case 3: return .integer(Int64.random(in: -3...3, using: &g))
        case 4, 5: return .object(randomObject(&g, depth: depth + 1))
        default: return .array((0..<Int.random(in: 0...3, using: &g)).map { _ in randomValue(&g, depth: depth + 1) })
        }
    }

    private func randomObject(_ g: inout SplitMix64, depth: Int) -> JSONObject {
        var o = JSONObject()
        for _ in 0..<Int.random(in: 0...5, using: &g) { o[randomString(&g, maxLength: 6)] = randomValue(&g, depth: depth) }
        return o
    }

    private func randomEnvelope(_ g: inout SplitMix64) throws -> EventEnvelope {
        let token = { (g: inout SplitMix64) -> String? in
            Bool.random(using: &g) ? nil : "t-" + String(UInt32.random(in: 0...UInt32.max, using: &g), radix: 36)
        }
        return EventEnvelope(
            seq: max(1, Int64.random(in: 1...9_007_199_254_740_991, using: &g) >> Int64.random(in: 0...52, using: &g)),
            stream: ["project:LA-1", "rules", "a", "project:LA-MPI-2026-0001/x@y+z_1.2"].randomElement(using: &g)!,
            streamVersion: Int64.random(in: 1...100_000, using: &g), type: ["AnnualBudgetRevised", "X", "Z9"].randomElement(using: &g)!,
            schemaVersion: Int64.random(in: 1...3, using: &g), payload: randomObject(&g, depth: 1),
            actor: try Actor(id: "user:" + String(UInt16.random(in: 0...UInt16.max, using: &g)),
                             role: Bool.random(using: &g) ? "recorder" : nil, unit: Bool.random(using: &g) ? "LA-VT" : nil),
            recordedAt: Timestamp(microsecondsSinceEpoch: Int64.random(in: 0...4_102_444_800_000_000, using: &g)),
            occurredAt: [nil, "2026-03-01", "2026-03-01T01:00:00.000000Z"].randomElement(using: &g)!,
            correlationId: token(&g), causationId: token(&g), idempotencyKey: token(&g),
            prev: SHA256.hash(Array(String(g.next()).utf8)))
    }

    func testScannerAgreesWithTheDecoderOnRandomEnvelopesAndTheirMutations() throws {
        var g = SplitMix64(seed: 20_261_129)
        var accepted = 0, refused = 0, withNoncharacter = 0
        for round in 0..<400 {
            let envelope = try randomEnvelope(&g)
            let bytes = envelope.canonicalBytes
            // Noncharacters (U+FFFF, U+FDD0 …) make a payload invalid I-JSON: both must refuse it.
            guard (try? EventEnvelope(canonicalBytes: bytes)) != nil else {
                XCTAssertNil(EnvelopeScanner.scan(bytes), "round \(round): \(String(decoding: bytes, as: UTF8.self))")
                withNoncharacter += 1
                continue
            }
            let header = try XCTUnwrap(EnvelopeScanner.scan(bytes), "round \(round): \(String(decoding: bytes, as: UTF8.self))")
            assertHeader(header, of: bytes, matches: envelope, "round \(round)")
            // Malformed variants: random byte edits, deletions, duplications and truncations.
            for _ in 0..<40 {
                var m = bytes
                switch Int.random(in: 0..<4, using: &g) {
                case 0: m[Int.random(in: m.indices, using: &g)] = UInt8.random(in: 0...255, using: &g)
                case 1: m.remove(at: Int.random(in: m.indices, using: &g))
                case 2: let k = Int.random(in: m.indices, using: &g); m.insert(m[k], at: k)
                default: m.removeLast(Int.random(in: 1...m.count, using: &g))
                }
                let scanned = EnvelopeScanner.scan(m) != nil
                let decoded = (try? EventEnvelope(canonicalBytes: m)) != nil
                XCTAssertEqual(scanned, decoded, "round \(round): \(String(decoding: m, as: UTF8.self))")
                if scanned { accepted += 1 } else { refused += 1 }
            }
        }
        XCTAssertGreaterThan(withNoncharacter, 20)
        XCTAssertGreaterThan(refused, 3_000, "most random edits break an envelope")
        XCTAssertGreaterThan(accepted, 50, "some edits (a digit, a letter) leave a valid envelope")
    }

    // MARK: Pipelined bulk reads at batch boundaries

    func testBulkReadsAgreeWithDecodedReadsAcrossBatchBoundaries() throws {
        let capacity = StoredBatch.capacity
        for count in [capacity - 1, capacity, capacity + 1, 2 * capacity, 2 * capacity + 1] {
            let ledger = try TestLedger()
            let store = try ledger.open()
            _ = try store.append((0..<count).map { proposed("project:P\($0 % 3)", $0 % 2 == 0 ? "AnnualBudgetRevised" : "DisbursementRecorded", $0) },
                                 actor: recorder)
            for query in [EventQuery(), EventQuery(stream: "project:P1"), EventQuery(type: "DisbursementRecorded"),
                          EventQuery(fromSeq: Int64(capacity), toSeq: Int64(capacity + 1)), EventQuery(limit: capacity)] {
                var stored: [[UInt8]] = []
                try store.readStored(query) { event in
                    XCTAssertEqual(event.hash, SHA256.hash(event.canonicalBytes))
                    stored.append(event.canonicalBytes)
                    return true
                }
                XCTAssertEqual(stored, try store.events(query).map(\.canonicalBytes), "count \(count), \(query)")
            }
            // Stopping exactly at and just after a batch boundary delivers nothing more.
            for stop in [capacity, capacity + 1] where stop <= count {
                var seen: [Int64] = []
                try store.readStored { seen.append($0.seq); return seen.count < stop }
                XCTAssertEqual(seen, Array(1...Int64(stop)))
            }
        }
    }

    func testAnErrorThrownByTheCallerStopsTheReadAndTheStoreStaysUsable() throws {
        struct Stop: Error {}
        let ledger = try TestLedger()
        let store = try ledger.open(options: { var o = EventStore.Options(); o.readerCount = 1; return o }())
        let count = 4 * StoredBatch.capacity
        _ = try store.append((0..<count).map { proposed("project:P\($0 % 5)", "AnnualBudgetRevised", $0) }, actor: recorder)
        var seen = 0
        XCTAssertThrowsError(try store.readStored { _ in seen += 1; if seen == StoredBatch.capacity + 7 { throw Stop() }; return true }) {
            XCTAssertTrue($0 is Stop, "\($0)")
        }
        XCTAssertEqual(seen, StoredBatch.capacity + 7)
        // The one reader connection was handed back with its statement reset: a new read sees everything.
        var again = 0
        try store.readStored { _ in again += 1; return true }
        XCTAssertEqual(again, count)
    }

    // MARK: Column checks through cached stream names

    func testARenamedOrMissingStreamRowIsAColumnMismatchAtEachOfItsEvents() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        _ = try store.append((0..<12).map { proposed("project:\($0 % 3)", "AnnualBudgetRevised", $0) }, actor: recorder)
        let raw = try ledger.rawConnection()
        try raw.execute("DROP TRIGGER streams_are_append_only_update; DROP TRIGGER streams_are_append_only_delete")
        try raw.execute("UPDATE streams SET name = 'project:renamed' WHERE name = 'project:1'")
        try raw.execute("DELETE FROM streams WHERE name = 'project:2'")
        let report = try ChainVerifier(store: try ledger.open(.readOnly)).verify()
        // Events 2, 5, 8, 11 are in project:1 and 3, 6, 9, 12 in project:2.
        XCTAssertEqual(report.findings.map { "\($0.seq) \($0.kind.rawValue)" },
                       [2, 3, 5, 6, 8, 9, 11, 12].map { "\($0) column-mismatch" })
        XCTAssertTrue(report.findings[0].detail.contains("project:renamed ≠ project:1"), report.findings[0].detail)
        XCTAssertTrue(report.findings[1].detail.contains("no stream row ≠ project:2"), report.findings[1].detail)
    }

    func testWordWiseEqualityAgreesWithElementwiseComparison() {
        var g = SplitMix64(seed: 7)
        for length in 0..<40 {
            let a = (0..<length).map { _ in UInt8.random(in: 0...255, using: &g) }
            for position in -1..<length {
                var b = a
                if position >= 0 { b[position] ^= UInt8.random(in: 1...255, using: &g) }
                let equal = a.withUnsafeBytes { x in b.withUnsafeBytes { y in RowChecker.equal(x, y) } }
                XCTAssertEqual(equal, a == b, "length \(length), difference at \(position)")
            }
            let longer = a + [0]
            XCTAssertFalse(a.withUnsafeBytes { x in longer.withUnsafeBytes { y in RowChecker.equal(x, y) } })
        }
    }
}
