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

    func testScannerAndDecoderAgreeOnEveryMutation() throws {
        let replacements: [UInt8] = [0x20, 0x22, 0x2C, 0x2E, 0x30, 0x31, 0x39, 0x41, 0x45, 0x5C, 0x61, 0x65, 0x7B, 0x7D, 0x5B,
                                     0x5D, 0x3A, 0x2D, 0x0A, 0x00, 0x7F, 0x80, 0xC0, 0xED, 0xFF, 0x75]
        var checked = 0
        for original in try samples() {
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
                var doubled = original
                doubled.insert(original[i], at: i)
                mutants.append(doubled)
            }
            for m in mutants {
                let scanned = EnvelopeScanner.scan(m) != nil
                let decoded = (try? EventEnvelope(canonicalBytes: m)) != nil
                XCTAssertEqual(scanned, decoded, "disagreement on: \(String(decoding: m, as: UTF8.self))")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20_000)
    }
}
