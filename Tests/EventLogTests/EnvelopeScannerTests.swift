import CanonicalJSON
@testable import EventLog
import XCTest

/// The one-pass scanner used by verification must accept exactly what the full decoder accepts:
/// otherwise `verify` and reads would disagree about what is in the ledger.
final class EnvelopeScannerTests: XCTestCase {
    private func samples() throws -> [[UInt8]] {
        var payload = budgetPayload(3)
        payload["note"] = .string("ວຽງຈັນ \u{1F600} tab\t quote\" back\\ ctl\u{1}")
        payload["list"] = [1, -2, 0, true, false, nil, ["nested": "x"], []]
        payload["\u{E000}"] = "private use sorts after"
        payload["\u{1F600}"] = "astral sorts before U+E000 in UTF-16"
        let full = EventEnvelope(
            seq: 42, stream: "project:LA-1", streamVersion: 7, type: "AnnualBudgetRevised", schemaVersion: 2, payload: payload,
            actor: try Actor(id: "user:a", role: "recorder", unit: "LA-VT"),
            recordedAt: try XCTUnwrap(Timestamp(canonical: "2026-03-02T02:15:07.123456Z")), occurredAt: "2026-03-01",
            correlationId: "corr-1", causationId: "cause-1", idempotencyKey: "idem-1", prev: .zero)
        let minimal = EventEnvelope(
            seq: 1, stream: "rules", streamVersion: 1, type: "X", schemaVersion: 1, payload: JSONObject(),
            actor: try Actor(id: "local:root"), recordedAt: Timestamp(microsecondsSinceEpoch: 0),
            occurredAt: "2026-03-01T01:00:00.000000Z", correlationId: nil, causationId: nil, idempotencyKey: nil, prev: .zero)
        return [full.canonicalBytes, minimal.canonicalBytes]
    }

    func testValidEnvelopesScanWithTheirHeader() throws {
        for bytes in try samples() {
            let header = try XCTUnwrap(EnvelopeScanner.scan(bytes), String(decoding: bytes, as: UTF8.self))
            let envelope = try EventEnvelope(canonicalBytes: bytes)
            assertHeader(header, of: bytes, matches: envelope)
        }
    }

    /// Every envelope one edit away from `original`: each byte replaced by each of `replacements`,
    /// each byte deleted, and (with `doubling`) each byte repeated.
    private func mutants(of original: [UInt8], replacing replacements: [UInt8], doubling: Bool) -> [[UInt8]] {
        var mutants: [[UInt8]] = []
        for i in original.indices {
            for r in replacements where r != original[i] {
                var m = original
                m[i] = r
                mutants.append(m)
            }
            var deleted = original
            deleted.remove(at: i)
            mutants.append(deleted)
            if doubling {
                var doubled = original
                doubled.insert(original[i], at: i)
                mutants.append(doubled)
            }
        }
        return mutants
    }

    func testScannerAndDecoderAgreeOnEveryMutation() throws {
        let replacements: [UInt8] = [0x20, 0x22, 0x2C, 0x2E, 0x30, 0x31, 0x39, 0x41, 0x45, 0x5C, 0x61, 0x65, 0x7B, 0x7D, 0x5B,
                                     0x5D, 0x3A, 0x2D, 0x0A, 0x00, 0x7F, 0x80, 0xC0, 0xED, 0xFF, 0x75]
        var checked = 0
        for original in try samples() {
            for m in mutants(of: original, replacing: replacements, doubling: true) {
                let scanned = EnvelopeScanner.scan(m) != nil
                let decoded = (try? EventEnvelope(canonicalBytes: m)) != nil
                XCTAssertEqual(scanned, decoded, "disagreement on: \(String(decoding: m, as: UTF8.self))")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20_000)
    }

    /// The memo skips re-reading an actor or a `recordedAt` identical to the last accepted one.
    /// Primed with the unmutated envelope (so every mutant's untouched actor and timestamp match
    /// the remembered bytes, and a mutated one sits right next to them), a memoised scan must
    /// still give the decoder's verdict on every mutant, and the fresh scan's header.
    func testAMemoisedScanJudgesEveryMutationAsTheDecoderDoes() throws {
        let replacements: [UInt8] = [0x20, 0x22, 0x2C, 0x30, 0x31, 0x3A, 0x41, 0x5C, 0x7B, 0x7D, 0x00, 0x80, 0xFF]
        var checked = 0
        for original in try samples() {
            var primed = EnvelopeScanner.Memo()
            XCTAssertNotNil(EnvelopeScanner.scan(original, memo: &primed))
            for m in mutants(of: original, replacing: replacements, doubling: false) {
                var memo = primed
                let memoised = EnvelopeScanner.scan(m, memo: &memo)
                let fresh = EnvelopeScanner.scan(m)
                let decoded = try? EventEnvelope(canonicalBytes: m)
                let text = String(decoding: m, as: UTF8.self)
                XCTAssertEqual(memoised != nil, decoded != nil, "disagreement on: \(text)")
                if let memoised, let fresh, let decoded {
                    assertHeader(memoised, of: m, matches: decoded, text)
                    XCTAssertEqual(memoised.recordedAtMicroseconds, fresh.recordedAtMicroseconds, text)
                    XCTAssertEqual(memoised.recordedAtMicroseconds, decoded.recordedAt.microsecondsSinceEpoch, text)
                }
                // Whatever the mutant did to the memo, the original still scans as before.
                let again = try XCTUnwrap(EnvelopeScanner.scan(original, memo: &memo), text)
                assertHeader(again, of: original, matches: try EventEnvelope(canonicalBytes: original), text)
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 5_000)
    }

    /// A run of envelopes whose actors and timestamps change, repeat and return, scanned with
    /// one memo, reads each as a fresh scan does.
    func testOneMemoAcrossChangingActorsAndTimestampsReadsEveryEnvelopeRight() throws {
        let actors = [try Actor(id: "user:a", role: "recorder", unit: "LA-VT"), try Actor(id: "user:a", role: "recorder"),
                      try Actor(id: "user:b"), try Actor(id: "user:a", role: "recorder", unit: "LA-VTX")]
        var memo = EnvelopeScanner.Memo()
        for k in 0..<64 {
            let envelope = EventEnvelope(
                seq: Int64(k + 1), stream: "project:LA-\(k % 3)", streamVersion: 1, type: "AnnualBudgetRevised", schemaVersion: 1,
                payload: budgetPayload(k), actor: actors[(k / 3) % actors.count],
                recordedAt: Timestamp(microsecondsSinceEpoch: 1_770_000_000_000_000 + Int64(k / 2) * 999_999),
                occurredAt: nil, correlationId: nil, causationId: nil, idempotencyKey: nil, prev: .zero)
            let bytes = envelope.canonicalBytes
            let header = try XCTUnwrap(EnvelopeScanner.scan(bytes, memo: &memo))
            assertHeader(header, of: bytes, matches: envelope, "event \(k)")
            XCTAssertEqual(header.recordedAtMicroseconds, envelope.recordedAt.microsecondsSinceEpoch, "event \(k)")
        }
    }
}
