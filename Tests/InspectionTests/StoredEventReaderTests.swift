import CanonicalJSON
import EventLog
import ODA
import XCTest
@testable import Inspection

/// `ProjectFact.read(stored:type:seq:)`, the full evaluation's reader of stored bytes, gives the
/// fact `ProjectFact(_: EventEnvelope)` gives from the decoded event, or declines (nil) so the
/// caller decodes in full; it never gives a different fact.
final class StoredEventReaderTests: XCTestCase {
    private func envelope(_ type: String, _ payload: JSONObject, seq: Int64 = 7, actor: String = "user:somsack") -> EventEnvelope {
        EventEnvelope(seq: seq, stream: "project:P1", streamVersion: 1, type: type, schemaVersion: 1, payload: payload,
                      actor: try! Actor(id: actor, role: "recorder", unit: "LA-VT"),
                      recordedAt: Timestamp.parse("2024-05-14T03:00:00.123456Z")!, occurredAt: "2024-05-14T03:00:00Z",
                      correlationId: nil, causationId: nil, idempotencyKey: "k-\(seq)", prev: .zero)
    }

    /// The reader's answer, checked against the decoded path; true when it read the bytes itself.
    @discardableResult
    private func check(_ e: EventEnvelope, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let alone = ProjectFact.read(stored: e.canonicalBytes, type: e.type, seq: e.seq)
        // The same bytes as one row of a batch buffer, between other rows' bytes: the reader
        // stays inside the row's range and gives the same answer.
        let before = Array("{\"type\":\"X\"}\"}".utf8), after = Array(",\"type\":\"ExpenditureRecorded\"}".utf8)
        let buffer = before + e.canonicalBytes + after
        let inBatch = ProjectFact.read(stored: buffer, range: before.count..<(before.count + e.canonicalBytes.count), type: e.type, seq: e.seq)
        XCTAssertEqual(inBatch?.fact, alone?.fact, file: file, line: line)
        XCTAssertEqual(inBatch?.recordedAt, alone?.recordedAt, file: file, line: line)
        XCTAssertEqual(inBatch == nil, alone == nil, file: file, line: line)
        guard let read = alone else { return false }
        XCTAssertEqual(read.fact, ProjectFact(e), "\(e.type) \(e.payload)", file: file, line: line)
        XCTAssertEqual(read.recordedAt, e.recordedAt, file: file, line: line)
        return true
    }

    /// A field the reader cannot follow (here an integer beyond Int64, which the decoder refuses
    /// too) declines the whole event instead of giving a fact without that field.
    func testAnUnreadableFieldDeclinesTheEvent() throws {
        let e = envelope("CounterpartContributionRecorded",
                         ["amount": ["amount": "5000000", "currency": "LAK"], "kind": "actual", "fiscalYear": 2024])
        XCTAssertTrue(check(e), "the readable event is read from its bytes")
        let text = String(decoding: e.canonicalBytes, as: UTF8.self)
        let unreadable = Array(text.replacingOccurrences(of: #""fiscalYear":2024"#, with: #""fiscalYear":99999999999999999999"#).utf8)
        XCTAssertNotEqual(unreadable, e.canonicalBytes)
        XCTAssertNil(ProjectFact.read(stored: unreadable, type: e.type, seq: e.seq))
        let readable = Array(text.replacingOccurrences(of: #""fiscalYear":2024"#, with: #""fiscalYear":2025"#).utf8)
        XCTAssertEqual(ProjectFact.read(stored: readable, type: e.type, seq: e.seq)?.fact?.number, 2025)
    }

    func testGeneratedEventsReadTheSameFromTheirBytes() {
        var read = 0, facts = 0
        for seed in 1...6 as ClosedRange<UInt64> {
            for e in IncrementalEngineTests.envelopes(seed: seed, projects: 3, steps: 300) where e.stream.hasPrefix("project:") {
                XCTAssertTrue(check(e), "the plain events of the generator are read from their bytes: \(e.type)")
                read += 1
                if ProjectFact(e) != nil { facts += 1 }
            }
        }
        XCTAssertGreaterThan(facts, 1_000)
        XCTAssertGreaterThanOrEqual(read, facts)
    }

    func testUnusualPayloadsReadTheSameOrAreDeclined() {
        let money: JSONValue = ["amount": "1250.50", "currency": "USD"]
        let cases: [(String, JSONObject)] = [
            // Escapes, non-ASCII and control characters in names the rules group by.
            ("ExpenditureRecorded", ["amount": money, "date": "2024-01-05", "payee": "Savan \"Drilling\" \\ Co.\n\u{1}",
                                     "invoiceNumber": "INV/1\t2"]),
            ("ExpenditureRecorded", ["amount": money, "date": "2024-01-05", "payee": "ບໍລິສັດ ສະຫວັນ 😀", "invoiceNumber": "ໃບ-1"]),
            // Members of the wrong type are absent to the rules, as `stringValue` and `case .integer` treat them.
            ("ExpenditureRecorded", ["amount": money, "date": 20240105, "payee": ["name": "X"], "invoiceNumber": true]),
            ("CounterpartContributionRecorded", ["amount": ["amount": "5000000", "currency": "LAK"], "kind": "actual",
                                                 "fiscalYear": "2024"]),
            ("CounterpartContributionRecorded", ["amount": ["amount": "5000000", "currency": "LAK"], "kind": "planned",
                                                 "fiscalYear": -2024]),
            ("DisbursementRecorded", ["amount": money, "receiver": "LA-MPWT", "date": "2024-02-30"]),
            // Amounts that do not read give no transaction fact.
            ("DisbursementRecorded", ["amount": ["amount": "12.345678", "currency": "USD"], "receiver": "LA-MPWT"]),
            ("DisbursementRecorded", ["amount": ["amount": "12", "currency": "usd"], "receiver": "LA-MPWT"]),
            ("DisbursementRecorded", ["amount": ["amount": 12, "currency": "USD"], "receiver": "LA-MPWT"]),
            ("DisbursementRecorded", ["amount": "12 USD", "receiver": "LA-MPWT"]),
            ("CommitmentRecorded", ["date": "2024-01-01"]),
            ("AnnualBudgetRevised", ["budgetLineId": "BL-1", "periodStart": "2024-01-01", "newAmount": money,
                                     "nested": ["deep": [[1, 2], ["x": nil]], "more": [true, false, nil]]]),
            ("AnnualBudgetPlanned", ["budgetLineId": "BL-1", "periodStart": "2024-01-01", "periodEnd": "2024-12-31"]),
            ("BudgetPeriodLocked", ["budgetLineId": "BL-\"2\"", "periodStart": "2024-01-01"]),
            ("BudgetReopenApproved", [:]),
            ("ProjectApproved", ["selfApproved": true]),
            ("ProjectApproved", ["selfApproved": false]),
            ("ProjectApproved", ["selfApproved": "true"]),
            ("ProjectProposed", ["plannedStartDate": "2024-01-01", "plannedEndDate": "2026-12-31"]),
            ("ProjectProposed", ["plannedStartDate": "2024-01-01", "plannedEndDate": "2026-13-31"]),
            ("ProjectDatesRevised", ["startDate": "2024-01-01", "endDate": "2027-06-30", "plannedEndDate": "x"]),
            ("TransactionReversed", ["reversedSeq": 42, "reason": "error"]),
            ("TransactionReversed", ["reversedSeq": 9_007_199_254_740_991]),
            ("TransactionReversed", ["reversedSeq": "42"]),
            ("ProjectClosed", ["reason": "done"]),
        ]
        var readDirectly = 0
        for (n, (type, payload)) in cases.enumerated() {
            if check(envelope(type, payload, seq: Int64(n + 1), actor: n % 2 == 0 ? "user:somsack" : "user:khamla")) { readDirectly += 1 }
        }
        XCTAssertGreaterThan(readDirectly, cases.count - 3, "most unusual payloads are still read directly")
    }

    func testNonCanonicalOrTruncatedBytesAreDeclined() {
        let e = envelope("ExpenditureRecorded", ["amount": ["amount": "10", "currency": "USD"], "payee": "X", "date": "2024-01-01"])
        let bytes = e.canonicalBytes
        for cut in [1, 10, bytes.count / 2, bytes.count - 1] {
            XCTAssertNil(ProjectFact.read(stored: Array(bytes.prefix(cut)), type: e.type, seq: e.seq))
        }
        XCTAssertNil(ProjectFact.read(stored: Array("[1,2]".utf8), type: e.type, seq: e.seq))
        // Cut short inside a batch buffer whose next bytes complete the envelope: still declined,
        // the reader reads nothing past the end of its row.
        for cut in [10, bytes.count / 2, bytes.count - 1] {
            XCTAssertNil(ProjectFact.read(stored: bytes, range: 0..<cut, type: e.type, seq: e.seq), "cut at \(cut)")
            XCTAssertNil(StoredEventReader.reading(bytes, range: 0..<cut) { $0.tail() }, "cut at \(cut)")
        }
        XCTAssertNotNil(ProjectFact.read(stored: bytes, range: 0..<bytes.count, type: e.type, seq: e.seq))
    }
}
