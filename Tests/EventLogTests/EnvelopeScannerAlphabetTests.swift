import CanonicalJSON
import Crypto
@testable import EventLog
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

    func testWordWiseHexCheckAgreesWithBytewiseOnEveryLane() {
        let hex = Array("0123456789abcdef".utf8)
        var g = SplitMix64(state: 3)
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
