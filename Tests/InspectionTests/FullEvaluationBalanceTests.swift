import CanonicalJSON
import EventLog
import Foundation
import ODA
import XCTest
@testable import Inspection
import TestSupport

/// The full evaluation judges projects on whichever core is free, largest first, and reads rows
/// through a buffer pointer without bounds checks: neither may change a single flag. Checked
/// against the one-thread reference over decoded envelopes on a ledger of very unequal projects,
/// and the unchecked reader against copies of cut rows at every cut.
final class FullEvaluationBalanceTests: TemporaryDirectoryTestCase {
    /// One project with most of the ledger's payments, a few middling and many with one or two:
    /// the order projects are judged in (by weight, across cores) differs from the order they
    /// were folded in, and the flags still equal the reference's, ids and all.
    func testUnequalProjectsJudgedLargestFirstEqualTheReference() throws {
        var options = EventStore.Options()
        options.durability = .normal
        let clock = ScenarioClock("2023-03-06T01:00:00.000000Z")
        options.clock = { clock.advance(minutes: 97); return clock.now }
        let store = try EventStore.create(at: directory.appendingPathComponent("unequal.sqlite").path, options: options)
        let payees = ["Mekong Builders Sole Co., Ltd.", "Lao Consult", "Savan Drilling", "Pakse Hardware and Tools"]
        func money(_ amount: String, _ currency: String) -> JSONValue { ["amount": .string(amount), "currency": .string(currency)] }
        // Project 0 gets a payment in every round, projects 1-3 in every tenth, the rest only twice.
        let ids = (0..<40).map { "LA-BAL-\($0)" }
        var events: [ProposedEvent] = []
        for id in ids {
            events.append(try ProposedEvent(stream: "project:" + id, type: "ProjectProposed",
                                            payload: ["projectId": .string(id), "plannedStartDate": "2023-01-01", "plannedEndDate": "2023-12-31"]))
            events.append(try ProposedEvent(stream: "project:" + id, type: "AnnualBudgetPlanned", payload: [
                "budgetLineId": "BL-1", "periodStart": "2023-01-01", "periodEnd": "2023-12-31", "amount": money("50000", "USD"),
            ]))
        }
        events.append(try ProposedEvent(stream: "fx:LAK", type: "ExchangeRateRecorded", payload: [
            "baseCurrency": "USD", "quoteCurrency": "LAK", "rate": "20500.5", "effectiveDate": "2023-01-01", "source": "test",
        ]))
        for round in 0..<6_000 {
            for (p, id) in ids.enumerated() where p == 0 || (p < 4 && round % 10 == 0) || (p >= 4 && round < 2) {
                let amount = ["2499", "1250.50", "10000", "2450", "2480.25"][(round + p) % 5]
                let currency = round % 3 == 0 ? "LAK" : "USD"
                let date = "2023-\(String(format: "%02d", 1 + round % 12))-\(String(format: "%02d", 1 + round % 28))"
                events.append(try ProposedEvent(stream: "project:" + id, type: "ExpenditureRecorded", payload: [
                    "amount": money(currency == "LAK" ? amount.replacingOccurrences(of: ".", with: "") + "000" : amount, currency),
                    "date": .string(date), "payee": .string(payees[(round / 7 + p) % payees.count]),
                    "invoiceNumber": .string("INV-\(p)-\(round % 500)"),
                ]))
            }
        }
        for start in stride(from: 0, to: events.count, by: 500) {
            _ = try store.append(Array(events[start..<min(start + 500, events.count)]), actor: try Actor(id: "user:somsack"))
        }
        let envelopes = try store.events(EventQuery()).map(\.envelope)
        XCTAssertGreaterThan(envelopes.count, FullEvaluation.batchSize, "more than one batch")
        let fast = try FullEvaluation.flags(in: store)
        XCTAssertEqual(fast, FullEvaluation.flags(of: envelopes))
        XCTAssertEqual(Set(fast.map(\.id)).count, fast.count, "flag ids are unique")
        XCTAssertTrue(fast.contains { $0.subject.project == "LA-BAL-0" }, "the heavy project was judged")
    }

    /// A row cut anywhere and read inside a buffer whose next bytes would complete it gives what
    /// the same cut bytes give alone: the reader, which no longer has the array's bounds checks,
    /// reads nothing past its row's end.
    func testCutRowsReadInsideABufferEqualTheCutBytesAlone() throws {
        let actor = try Actor(id: "user:khamla-vongsa-provincial-recorder", role: "recorder", unit: "LA-VT")
        let payloads: [(String, JSONObject)] = [
            ("ExpenditureRecorded", ["amount": ["amount": "2499.50", "currency": "USD"], "payee": "Mekong \"Builders\" ຈໍາກັດ",
                                     "date": "2024-01-01", "invoiceNumber": "INV-9"]),
            ("CounterpartContributionRecorded", ["amount": ["amount": "5000000", "currency": "LAK"], "kind": "actual", "fiscalYear": 2024]),
            ("AnnualBudgetRevised", ["budgetLineId": "BL-1", "periodStart": "2024-01-01", "newAmount": ["amount": "12", "currency": "EUR"]]),
            ("TransactionReversed", ["reversedSeq": 41, "reason": "error"]),
        ]
        for (n, (type, payload)) in payloads.enumerated() {
            let e = EventEnvelope(seq: Int64(n + 5), stream: "project:P-\(n)", streamVersion: 3, type: type, schemaVersion: 1,
                                  payload: payload, actor: actor, recordedAt: Timestamp.parse("2024-05-14T03:00:00.123456Z")!,
                                  occurredAt: "2024-05-14T03:00:00Z", correlationId: nil, causationId: nil,
                                  idempotencyKey: "k-\(n)", prev: .zero)
            let bytes = e.canonicalBytes
            XCTAssertNotNil(ProjectFact.read(stored: bytes, type: type, seq: e.seq)?.fact, type)
            for cut in 0..<bytes.count {
                let inBuffer = ProjectFact.read(stored: bytes, range: 0..<cut, type: type, seq: e.seq)
                let alone = ProjectFact.read(stored: Array(bytes.prefix(cut)), type: type, seq: e.seq)
                XCTAssertEqual(inBuffer?.fact, alone?.fact, "\(type) cut at \(cut)")
                XCTAssertEqual(inBuffer?.recordedAt, alone?.recordedAt, "\(type) cut at \(cut)")
                let tails = (StoredEventReader.reading(bytes, range: 0..<cut) { $0.tail() },
                             StoredEventReader.reading(Array(bytes.prefix(cut))) { $0.tail() })
                XCTAssertEqual(tails.0?.stream, tails.1?.stream, "\(type) cut at \(cut)")
                XCTAssertEqual(tails.0?.type, tails.1?.type, "\(type) cut at \(cut)")
            }
        }
    }

    /// The eight-bytes-at-a-time test for a quote or backslash agrees with looking at each byte.
    func testWordTestForAByteEqualsLookingAtEachByte() {
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        for n in 0..<20_000 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            var word = random
            // Plant the byte sought (or one next to it) in some words, at a random place.
            if n % 3 == 0 {
                let shift = UInt64((random >> 7) % 8) * 8
                let planted: UInt64 = [0x22, 0x5C, 0x21, 0x23, 0x00, 0xA2][Int(random >> 13) % 6]
                word = (word & ~(0xFF << shift)) | (planted << shift)
            }
            for byte in [UInt8(ascii: "\""), UInt8(ascii: "\\")] {
                let each = (0..<8).contains { UInt8(truncatingIfNeeded: word >> ($0 * 8)) == byte }
                XCTAssertEqual(StoredEventReader.holds(word, byte), each, String(word, radix: 16))
            }
        }
    }

    /// Names with a quote, a backslash or an escaped character at every offset (so the scans
    /// that skip eight bytes at a time meet them in every lane), in the payee the rules group by
    /// and in the stream and type the tail is read from: read from bytes as decoded.
    func testEscapesAtEveryOffsetReadAsDecoded() throws {
        let actor = try Actor(id: "user:somsack", role: "recorder", unit: "LA-VT")
        var read = 0
        for k in 0..<26 {
            for mark in ["\"", "\\", "\u{1}", "ສ", "\n"] {
                let payee = String(repeating: "a", count: k) + mark + String(repeating: "b", count: 25 - k)
                let e = EventEnvelope(seq: Int64(k + 3), stream: "project:P" + String(repeating: "x", count: k), streamVersion: 2,
                                      type: "ExpenditureRecorded", schemaVersion: 1,
                                      payload: ["amount": ["amount": "12.5", "currency": "USD"], "payee": .string(payee), "date": "2024-02-03",
                                                "invoiceNumber": .string(String(repeating: "9", count: k) + mark)],
                                      actor: actor, recordedAt: Timestamp.parse("2024-05-14T03:00:00.123456Z")!,
                                      occurredAt: "2024-05-14T03:00:00Z", correlationId: nil, causationId: nil,
                                      idempotencyKey: "k-\(k)", prev: .zero)
                if let fromBytes = ProjectFact.read(stored: e.canonicalBytes, type: e.type, seq: e.seq) {
                    XCTAssertEqual(fromBytes.fact, ProjectFact(e), "\(k) \(mark)")
                    XCTAssertEqual(fromBytes.fact?.party, payee)
                    read += 1
                }
                StoredEventReader.reading(e.canonicalBytes) { reader in
                    guard let (stream, type) = reader.tail() else { return XCTFail("tail of \(k) \(mark)") }
                    XCTAssertEqual(String(decoding: e.canonicalBytes[stream], as: UTF8.self), e.stream)
                    XCTAssertEqual(String(decoding: e.canonicalBytes[type], as: UTF8.self), e.type)
                }
            }
        }
        XCTAssertEqual(read, 26 * 5, "every one is read from its bytes, escapes and all")
    }
}
