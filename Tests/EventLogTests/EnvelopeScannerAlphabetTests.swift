import CanonicalJSON
import Crypto
@testable import EventLog
import TestSupport
import XCTest

/// The scanner checks identifier-like members (prev's hex, stream, type, actor, ids and keys)
/// with a byte-class table and prev eight bytes at a time. Every byte value at every position of
/// those members must be accepted or refused exactly as the full decoder does.
final class EnvelopeScannerAlphabetTests: XCTestCase {
    private func envelope() throws -> [UInt8] {
        EventEnvelope(
            seq: 9, stream: "project:LA-MPI.2026/a_b@c+d-e", streamVersion: 3, type: "AnnualBudgetRevised2", schemaVersion: 1,
            payload: budgetPayload(5), actor: try Actor(id: "user:somsack", role: "recorder", unit: "LA-SV"),
            recordedAt: try XCTUnwrap(Timestamp(canonical: "2026-03-02T02:15:07.123456Z")), occurredAt: nil,
            correlationId: "corr-1", causationId: "cause-1", idempotencyKey: "idem-1!~",
            prev: SHA256.hash(Array("the previous event".utf8))).canonicalBytes
    }

    /// The byte range of the string value of top-level or actor member `name` (quotes excluded).
    private func valueRange(_ name: String, in bytes: [UInt8]) throws -> Range<Int> {
        let key = Array("\"\(name)\":\"".utf8)
        let start = try XCTUnwrap((0...(bytes.count - key.count)).first { Array(bytes[$0..<($0 + key.count)]) == key }, name)
            + key.count
        let end = try XCTUnwrap(bytes[start...].firstIndex(of: UInt8(ascii: "\"")))
        return start..<end
    }

    func testEveryByteValueInEveryIdentifierPositionIsJudgedAsTheDecoderJudgesIt() throws {
        let original = try envelope()
        XCTAssertNotNil(EnvelopeScanner.scan(original))
        var positions: [Int] = []
        for name in ["prev", "stream", "type", "id", "role", "unit", "idempotencyKey", "correlationId", "causationId"] {
            positions += try valueRange(name, in: original)
        }
        var checked = 0, accepted = 0
        for position in positions {
            for value in 0...255 where UInt8(value) != original[position] {
                var mutant = original
                mutant[position] = UInt8(value)
                let scanned = EnvelopeScanner.scan(mutant) != nil
                let decoded = (try? EventEnvelope(canonicalBytes: mutant)) != nil
                XCTAssertEqual(scanned, decoded, "byte \(value) at \(position): \(String(decoding: mutant, as: UTF8.self))")
                checked += 1
                if scanned { accepted += 1 }
            }
        }
        XCTAssertGreaterThan(checked, 30_000)
        // Both verdicts occur: the test would notice a scanner that accepts or refuses everything.
        XCTAssertGreaterThan(accepted, 5_000)
    }

    /// Member names are read by their alphabet, `prev` and `recordedAt` by their closing quote and
    /// `recordedAt` is read in the same pass that checks it: every byte value in every key, in
    /// both timestamps and on every closing quote of those values must still be judged as the
    /// full decoder judges it, and an accepted `recordedAt` must read as the decoder reads it.
    func testEveryByteValueInKeysTimestampsAndClosingQuotesIsJudgedAsTheDecoderJudgesIt() throws {
        var withOccurredAt = try EventEnvelope(canonicalBytes: try envelope())
        withOccurredAt = EventEnvelope(
            seq: withOccurredAt.seq, stream: withOccurredAt.stream, streamVersion: withOccurredAt.streamVersion,
            type: withOccurredAt.type, schemaVersion: withOccurredAt.schemaVersion, payload: withOccurredAt.payload,
            actor: withOccurredAt.actor, recordedAt: withOccurredAt.recordedAt, occurredAt: "2026-03-01T23:59:59.999999Z",
            correlationId: withOccurredAt.correlationId, causationId: withOccurredAt.causationId,
            idempotencyKey: withOccurredAt.idempotencyKey, prev: withOccurredAt.prev)
        var checked = 0, accepted = 0
        for original in [try envelope(), withOccurredAt.canonicalBytes] {
            XCTAssertNotNil(EnvelopeScanner.scan(original))
            var positions: [Int] = []
            let hasOccurredAt = String(decoding: original, as: UTF8.self).contains("\"occurredAt\":")
            for name in ["prev", "stream", "type", "id", "role", "unit", "idempotencyKey", "correlationId", "causationId",
                         "recordedAt"] + (hasOccurredAt ? ["occurredAt"] : []) {
                let value = try valueRange(name, in: original)
                positions += value.lowerBound...value.upperBound  // the closing quote too
            }
            for name in ["actor", "causationId", "correlationId", "idempotencyKey", "occurredAt", "payload", "prev", "recordedAt",
                         "schemaVersion", "seq", "stream", "streamVersion", "type", "id", "role", "unit"] {
                let key = Array("\"\(name)\":".utf8)
                guard let start = (0...(original.count - key.count)).first(where: { Array(original[$0..<($0 + key.count)]) == key })
                else { continue }
                positions += (start + 1)..<(start + key.count - 1)  // the name and its closing quote
            }
            for position in Set(positions).sorted() {
                for value in 0...255 where UInt8(value) != original[position] {
                    var mutant = original
                    mutant[position] = UInt8(value)
                    let scanned = EnvelopeScanner.scan(mutant)
                    let decoded = try? EventEnvelope(canonicalBytes: mutant)
                    XCTAssertEqual(scanned != nil, decoded != nil, "byte \(value) at \(position): \(String(decoding: mutant, as: UTF8.self))")
                    if let scanned, let decoded {
                        XCTAssertEqual(scanned.recordedAtMicroseconds, decoded.recordedAt.microsecondsSinceEpoch)
                        accepted += 1
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 60_000)
        XCTAssertGreaterThan(accepted, 1_000)
    }

    func testWordWiseHexCheckAgreesWithBytewiseOnEveryLane() {
        let hex = Array("0123456789abcdef".utf8)
        var g = SplitMix64(seed: 3)
        for _ in 0..<50 {
            let valid = (0..<64).map { _ in hex[Int(g.next() % 16)] }
            for position in 0..<64 {
                for value in 0...255 {
                    var bytes = valid
                    bytes[position] = UInt8(value)
                    let expected = bytes.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
                    let got = bytes.withUnsafeBufferPointer { EnvelopeScanner.isLowerHex64(0..<64, $0) }
                    if got != expected { XCTFail("byte \(value) at \(position)"); return }
                }
            }
        }
    }
}
