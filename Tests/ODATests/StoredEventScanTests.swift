import CanonicalJSON
import EventLog
import XCTest
@testable import ODA

/// `StoredEventScan` reads a transaction event's facts from its stored bytes, with its own
/// readers for plain strings, integers and amounts in their common spelling. Each payload here is
/// recorded (unvalidated) in every transaction type, then the scan of the stored bytes is held
/// against the reference reading of the decoded envelope (`TransactionFacts(payload:)`), and a
/// bulk rebuild of the ledger against the event-by-event rebuild and the live tables.
final class StoredEventScanTests: XCTestCase {
    static let types = ["CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded"]

    /// Amount spellings around the edges of the scan's own reader: what `DecimalString` accepts
    /// and refuses, 14 integer digits (its limit) and beyond, signed zero, other currencies.
    static let amountTexts = [
        "0", "0.0", "0.0000", "-0", "-0.00", "00", "01.5", "1.", ".5", "-", "", "1.2345", "1.23456", "-1.5", "-0.0001",
        "12345678901234", "12345678901234.9999", "-99999999999999.9999", "123456789012345", "123456789012345.5",
        "123456789012345678901234", "1234567890123456789012345", "9223372036854775807", "1e5", "+1", " 1", "1,000",
        "1 000", "\u{0661}\u{0662}", "１２", "7.50", "1000000.10",
    ]
    static let currencies = ["USD", "LAK", "THB", "EUR", "usd", "ZZZ", "", "US", "US\u{0044}"]

    /// Payloads (besides the amounts) with strings that need escapes, non-ASCII text, members of
    /// unexpected types and integers in several forms.
    static let otherPayloads: [JSONObject] = [
        ["transactionId": "T-\"1\"\\é\n", "payee": "ບໍລິສັດ ນ້ຳ Savan \u{1F4A7}", "kind": "planned", "date": "2024-02-29"],
        ["transactionId": 5, "payee": .null, "provider": ["nested": ["x", 1, true, .null]], "kind": "actual", "date": "2023-02-29",
         "fiscalYear": 2025],
        ["transactionId": true, "payee": ["a", "b"], "kind": "borrowed", "date": 20_240_101, "fiscalYear": "2025"],
        ["transactionId": "\u{7F}\u{1F}tab\there", "kind": "Planned", "fiscalYear": -9_007_199_254_740_991, "provider": "é"],
        ["fiscalYear": 0, "decisionReference": "DEC/2024/\u{00E9}", "approvalReference": "APR-1", "amendmentReference": "AM-1"],
        ["fiscalYear": -2024, "decisionReference": 7, "approvalReference": "APR \"quoted\"", "amendmentReference": .null],
        ["fiscalYear": 9_007_199_254_740_991, "decisionReference": .null, "amendmentReference": "AM-2"],
        ["fiscalYear": 123_456_789_012_345, "kind": .null, "approvalReference": ["x": 1]],
        ["fiscalYear": 1_234_567_890_123_456, "date": "2024-13-01", "transactionId": ""],
        ["date": "", "payee": "", "provider": "", "kind": "", "transactionId": "\u{0}"],
        ["reference": "PAY-1", "receiver": "LA-MPWT", "invoiceNumber": "INV-\\1", "inKind": true, "description": "Office \"space\""],
        [:],
    ]

    static func payloads() -> [JSONObject] {
        var all: [JSONObject] = []
        for (index, text) in amountTexts.enumerated() {
            all.append(["amount": ["amount": .string(text), "currency": .string(currencies[index % currencies.count])],
                        "transactionId": .string("A-\(index)"), "kind": index % 2 == 0 ? "planned" : "actual"])
        }
        for currency in currencies {
            all.append(["amount": ["amount": "12.5", "currency": .string(currency)], "kind": "actual"])
        }
        let oddAmounts: [JSONValue] = [
            "1000", 1000, .null, ["1", "USD"], ["amount": 1, "currency": "USD"], ["amount": "1", "currency": 840],
            ["amount": "1"], ["currency": "USD"], [:], ["amount": "1\u{0030}", "currency": "USD"],
            ["amount": "2.5", "currency": "USD", "note": "extra member", "zz": ["a": ["b": "}"]]],
            ["aa": ["amount": "9", "currency": "LAK"], "amount": "3", "currency": "LAK"],
        ]
        for amount in oddAmounts { all.append(["amount": amount, "transactionId": "odd", "kind": "planned"]) }
        for (index, payload) in otherPayloads.enumerated() {
            var payload = payload
            payload["amount"] = ["amount": .string("\(index).25"), "currency": "USD"]
            all.append(payload)
        }
        return all
    }

    func recordedLedger(projected: Bool) throws -> (TemporaryLedger, count: Int) {
        let ledger = try TemporaryLedger(projected: projected)
        var events: [ProposedEvent] = []
        for (index, payload) in Self.payloads().enumerated() {
            for (t, type) in Self.types.enumerated() {
                var event = try ProposedEvent(stream: "project:LA-P-\(index % 3)", type: type, payload: payload)
                if (index + t) % 5 == 0 { event.occurredAt = "2024-05-0\(1 + index % 9)" }
                events.append(event)
            }
        }
        _ = try ledger.store.append(events, actor: approver)
        return (ledger, events.count)
    }

    func testTheScanReadsEveryTransactionPayloadAsTheDecodedEnvelopeReadsIt() throws {
        let (ledger, count) = try recordedLedger(projected: false)
        var scan = StoredEventScan()
        var compared = 0
        var amounts = 0, refusedAmounts = 0
        try ledger.store.read { event in
            let e = event.envelope
            let fast = try XCTUnwrap(scan.projectedEvent(StoredEventBytes(seq: event.seq, canonicalBytes: event.canonicalBytes)),
                                     "seq \(e.seq) is a transaction event with a plain envelope: the scan reads it")
            let reference = TransactionFacts(payload: e.payload)
            XCTAssertEqual(fast.transaction?.facts, reference, "seq \(e.seq): \(e.payload)")
            XCTAssertEqual(fast.transaction?.type, TransactionEventType(e.type))
            XCTAssertEqual(fast.transaction?.type.name, e.type)
            assertScannedEnvelope(fast, equals: e)
            compared += 1
            if reference.amount == nil { refusedAmounts += 1 } else { amounts += 1 }
            return true
        }
        XCTAssertEqual(compared, count)
        XCTAssertGreaterThan(amounts, 100, "amounts that parse")
        XCTAssertGreaterThan(refusedAmounts, 100, "amounts the reference refuses")
    }

    func testTheScannedAmountIsTheParsedAmountForEverySpelling() throws {
        // Beyond the list above: every spelling of a few digits, signs and points.
        let alphabet = ["0", "1", "9", ".", "-"]
        var texts = [""]
        var frontier = [""]
        for _ in 0..<5 {
            frontier = frontier.flatMap { prefix in alphabet.map { prefix + $0 } }
            texts += frontier
        }
        let ledger = try TemporaryLedger()
        for chunk in stride(from: 0, to: texts.count, by: 500) {
            let events = try texts[chunk..<min(chunk + 500, texts.count)].map { text in
                try ProposedEvent(stream: "project:LA-P", type: "DisbursementRecorded",
                                  payload: ["amount": ["amount": .string(text), "currency": "LAK"]])
            }
            _ = try ledger.store.append(events, actor: approver)
        }
        var scan = StoredEventScan()
        var parsed = 0
        try ledger.store.read { event in
            let fast = try XCTUnwrap(scan.projectedEvent(StoredEventBytes(seq: event.seq, canonicalBytes: event.canonicalBytes)))
            let reference = TransactionFacts(payload: event.envelope.payload)
            XCTAssertEqual(fast.transaction?.facts.amount, reference.amount, "\(event.envelope.payload)")
            if reference.amount != nil { parsed += 1 }
            return true
        }
        XCTAssertGreaterThan(parsed, 200)
    }

    func testTheBulkRebuildOfThesePayloadsEqualsTheReferenceRebuildAndTheLiveTables() throws {
        let (ledger, _) = try recordedLedger(projected: true)
        let live = try ledger.store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
        let bulk = try ledger.store.rebuild(ProjectStateProjector(), swap: false) { try ProjectionDigest(of: $0, prefix: $1) }
        let reference = try ledger.store.rebuild(RebuildVariantProjector(chunkSize: nil), swap: false) {
            try ProjectionDigest(of: $0, prefix: $1)
        }
        XCTAssertEqual(bulk.result, live)
        XCTAssertEqual(reference.result, live)
        // The audit trail is derived when read: from the stored bytes and from the decoded envelope alike.
        var summaries = 0
        var scan = StoredEventScan()
        try ledger.store.read { event in
            let stored = StoredEventBytes(seq: event.seq, canonicalBytes: event.canonicalBytes)
            let derived = try AuditEntry.derived(from: stored, scan: &scan)
            XCTAssertEqual(derived, AuditEntry(event.envelope), "seq \(event.seq)")
            XCTAssertEqual(try AuditEntry.derived(from: stored), derived, "seq \(event.seq)")
            if derived?.summary.hasPrefix("counterpart borrowed ") == true { summaries += 1 }
            return true
        }
        XCTAssertGreaterThan(summaries, 0, "a counterpart kind that is not planned or actual still gets its summary")
    }

    /// The scan keeps every stream it meets (growing its table past a thousand) with its project
    /// id; other streams (`project:` of another case, a longer prefix) must stay out of the tables.
    func testManyInterleavedStreamsKeepTheirOwnProjects() throws {
        let ledger = try TemporaryLedger(projected: true)
        let odd = ["project:", "Project:A", "projects:A", "project:A:B", "project:project:A", "org:XM-DAC-41114", "fx:USD-LAK"]
        let streams = (0..<2_500).map { "project:LA-\($0 * 7919 % 10_007)" } + odd
        var events: [ProposedEvent] = []
        for round in 0..<3 {
            for (index, stream) in streams.enumerated() {
                events.append(try ProposedEvent(stream: stream, type: Self.types[(index + round) % 4], payload: [
                    "amount": ["amount": .string("\(index).\(round + 1)"), "currency": "USD"], "kind": "actual",
                    "transactionId": .string("T-\(round)-\(index)"),
                ]))
            }
        }
        for chunk in stride(from: 0, to: events.count, by: 2_000) {
            _ = try ledger.store.append(Array(events[chunk..<min(chunk + 2_000, events.count)]), actor: approver)
        }
        var scan = StoredEventScan()
        var scanned = 0
        try ledger.store.read { event in
            let fast = try XCTUnwrap(scan.projectedEvent(StoredEventBytes(seq: event.seq, canonicalBytes: event.canonicalBytes)))
            XCTAssertEqual(fast.stream, event.envelope.stream)
            XCTAssertEqual(fast.projectID, ProjectedEvent.projectID(ofStream: event.envelope.stream))
            scanned += 1
            return true
        }
        XCTAssertEqual(scanned, events.count)
        let live = try ledger.store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
        XCTAssertEqual(try ledger.store.rebuild(ProjectStateProjector(), swap: false) { try ProjectionDigest(of: $0, prefix: $1) }.result,
                       live)
        XCTAssertEqual(try ledger.store.rebuild(RebuildVariantProjector(chunkSize: nil), swap: false) {
            try ProjectionDigest(of: $0, prefix: $1)
        }.result, live)
        let projects = try ledger.store.withProjectionSnapshot { db in
            try db.scalarInt64("SELECT count(DISTINCT project_id) FROM proj_transactions")
        }
        XCTAssertEqual(projects, Int64(Set(streams.compactMap(ProjectedEvent.projectID(ofStream:))).count))
    }

    /// `ProjectionBatch` reuses the year of a date repeated from one transaction to the next: every
    /// row's fiscal year must still be the one its own payload gives (`TransactionFacts.year`).
    func testEveryRowHasTheFiscalYearOfItsOwnPayload() throws {
        let ledger = try TemporaryLedger(projected: true)
        let dated: [(JSONValue?, JSONValue?)] = [
            ("2024-01-01", nil), ("2024-01-01", 2020), ("2023-02-29", 2022), ("2023-02-29", 2021), ("2023-02-29", nil),
            ("", 2019), ("", nil), ("2025-12-31", nil), (nil, 2018), ("2025-12-31", 2017), (20_240_101, 2016), ("2024-01-01", nil),
        ]
        let events = try dated.enumerated().map { index, pair in
            var payload: JSONObject = ["amount": ["amount": .string("\(index + 1)"), "currency": "USD"]]
            payload["date"] = pair.0
            payload["fiscalYear"] = pair.1
            return try ProposedEvent(stream: "project:LA-P", type: "DisbursementRecorded", payload: payload)
        }
        _ = try ledger.store.append(events, actor: approver)
        for rebuilt in [false, true] {
            if rebuilt { _ = try ledger.store.rebuild(ProjectStateProjector(), swap: true) { _, _ in () } }
            var years: [Int64: Int64?] = [:]
            try ledger.store.withProjectionSnapshot { db in
                try db.query("SELECT seq, fiscal_year FROM proj_transactions") { row in
                    years[row.int64(at: 0)] = row.optionalInt64(at: 1)
                }
            }
            XCTAssertEqual(years.count, dated.count)
            try ledger.store.read { event in
                XCTAssertEqual(years[event.seq], TransactionFacts(payload: event.envelope.payload).year,
                               "seq \(event.seq), rebuilt: \(rebuilt)")
                return true
            }
        }
        XCTAssertEqual(TransactionFacts(payload: ["date": "2023-02-29", "fiscalYear": 2021]).year, 2021)
        XCTAssertEqual(TransactionFacts(payload: ["date": "2024-02-29", "fiscalYear": 2021]).year, 2024)
    }
}
