import CanonicalJSON
import Crypto
import EventLog
import Foundation
import XCTest

/// The worked example of Schemas/ledger-format.md, rebuilt through the Swift types: the document
/// and the code cannot drift apart without this failing.
final class FormatExampleTests: XCTestCase {
    private func specBlocks() throws -> [String] {
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schemas/ledger-format.md")
        let text = try String(contentsOf: spec, encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```" {
                if let c = current { blocks.append(c.joined(separator: "\n")); current = nil } else { current = [] }
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks.filter { $0.hasPrefix("{\"actor\"") }
    }

    func testWorkedExampleReproducesBytesAndHashes() throws {
        let blocks = try specBlocks()
        XCTAssertEqual(blocks.count, 3)
        var payload1 = JSONObject()
        payload1["projectId"] = "LA-MPI-2026-001"
        payload1["title"] = "Rural water supply, Savannakhet"
        payload1["partner"] = "XM-DAC-41114"
        payload1["province"] = "LA-SV"
        payload1["plannedBudget"] = .object(JSONObject(dictionary: ["amount": "1250000.00", "currency": "USD"]))
        let e1 = EventEnvelope(
            seq: 1, stream: "project:LA-MPI-2026-001", streamVersion: 1, type: "ProjectProposed", schemaVersion: 1,
            payload: payload1, actor: try Actor(id: "user:somsack", role: "recorder", unit: "LA-SV"),
            recordedAt: try XCTUnwrap(Timestamp(canonical: "2026-03-02T02:15:07.123456Z")), occurredAt: "2026-03-01",
            correlationId: nil, causationId: nil, idempotencyKey: "import-7f3a-0001", prev: .zero)
        XCTAssertEqual(String(decoding: e1.canonicalBytes, as: UTF8.self), blocks[0])
        let h1 = SHA256.hash(e1.canonicalBytes)
        XCTAssertEqual(h1.hex, "a611d83fa9e8bd1163412afa7c93cd79269fe439dd44f1d9fa9390d0e44b4713")

        var payload2 = JSONObject()
        payload2["projectId"] = "LA-MPI-2026-001"
        payload2["amount"] = .object(JSONObject(dictionary: ["amount": "250000.00", "currency": "USD"]))
        payload2["reference"] = "DISB-2026-0042"
        let e2 = EventEnvelope(
            seq: 2, stream: "project:LA-MPI-2026-001", streamVersion: 2, type: "DisbursementRecorded", schemaVersion: 1,
            payload: payload2, actor: try Actor(id: "user:vilay", role: "recorder"),
            recordedAt: try XCTUnwrap(Timestamp(canonical: "2026-03-02T02:15:07.500000Z")), occurredAt: nil,
            correlationId: nil, causationId: nil, idempotencyKey: nil, prev: h1)
        XCTAssertEqual(String(decoding: e2.canonicalBytes, as: UTF8.self), blocks[1])
        XCTAssertEqual(SHA256.hash(e2.canonicalBytes).hex, "c7c66a2e15f7f46136bff62767d2441387ab6422ce8e8379aed21b65b7dc4c15")

        let recorded = RecordedEvent(envelope: e1, hash: h1, canonicalBytes: e1.canonicalBytes)
        XCTAssertEqual(recorded.exportJSON.canonicalString, blocks[2])
        // And back: decoding the stored bytes gives the same envelope.
        XCTAssertEqual(try EventEnvelope(canonicalBytes: Array(blocks[0].utf8)), e1)
        XCTAssertEqual(try RecordedEvent(exportLine: Array(blocks[2].utf8), hasher: SHA256Hasher()), recorded)
    }

    func testDecodingRefusesNonCanonicalAndForeignBytes() throws {
        let block = try specBlocks()[0]
        let spaced = block.replacingOccurrences(of: "\"seq\":1", with: "\"seq\": 1")
        XCTAssertThrowsError(try EventEnvelope(canonicalBytes: Array(spaced.utf8))) { error in
            XCTAssertTrue("\(error)".contains("canonical"), "\(error)")
        }
        let extra = block.replacingOccurrences(of: "{\"actor\"", with: "{\"a\":1,\"actor\"")
        XCTAssertThrowsError(try EventEnvelope(canonicalBytes: Array(extra.utf8))) { error in
            XCTAssertEqual(error as? EnvelopeError, .unexpectedMember(pointer: "/a"))
        }
        let float = block.replacingOccurrences(of: "\"schemaVersion\":1", with: "\"schemaVersion\":1.5")
        XCTAssertThrowsError(try EventEnvelope(canonicalBytes: Array(float.utf8))) { error in
            XCTAssertEqual((error as? EnvelopeError)?.pointer, "/schemaVersion")
        }
    }
}
