import CanonicalJSON
import EventLog
import Foundation
import ODA
import XCTest
@testable import Inspection
import TestSupport

/// The full evaluation's fast path (each worker folding its own projects straight from stored
/// bytes, names interned, amounts and times read without making Strings) against the reference
/// over decoded envelopes, on ledgers built to hit what a byte reader can get wrong: escapes and
/// non-ASCII in the names rules group by, long and short names, reversals, four currencies with
/// rates, amounts the reader parses itself and amounts only `Amount` can judge, rule settings.
final class FullEvaluationFastPathTests: TemporaryDirectoryTestCase {
    private static let payees = [
        "Savan \"Drilling\" \\ Co.", "ບໍລິສັດ ສະຫວັນ ກໍ່ສ້າງ ຈໍາກັດ", "Mekong 😀 Builders Sole Co., Ltd.", "Lao Consult", "Tab\there",
        "Vientiane Office Supply and Printing", "Ünïcödé Supplies GmbH", "X",
    ]
    /// Amounts the byte reader reads itself and amounts it leaves to `Amount` (too many digits,
    /// too many fraction digits, leading zeros, signs, exponents, spaces, negative zero).
    private static let amounts = [
        "1250.50", "4999999", "0.5", "2500", "-75.25", "12.345678", "01", "-0", "-0.00", "1e5", " 12", "12.", ".5",
        "123456789012345.5", "999999999999999999999999", "1234567890123456789012345", "100000000000000.0001", "0", "2499.9999",
    ]

    /// A ledger of `projects` projects whose transactions cycle through the payees, amounts and
    /// currencies above, with reversals, rates and a rule setting between them.
    private func ledger(_ name: String, projects: Int, rounds: Int) throws -> EventStore {
        var options = EventStore.Options()
        options.durability = .normal
        let clock = ScenarioClock("2023-02-06T01:00:00.000000Z")
        options.clock = { clock.advance(minutes: 211); return clock.now }
        let store = try EventStore.create(at: directory.appendingPathComponent(name).path, options: options)
        let actors = [try Actor(id: "user:somsack"), try Actor(id: "user:khamla-vongsa-provincial-recorder"), try Actor(id: "importer:adb")]
        var events: [ProposedEvent] = []
        func money(_ amount: String, _ currency: String) -> JSONValue { ["amount": .string(amount), "currency": .string(currency)] }
        let ids = (0..<projects).map { "LA-FAST-\($0)-" + String(repeating: "x", count: $0 % 3 * 6) }
        for id in ids {
            events.append(try ProposedEvent(stream: "project:" + id, type: "ProjectProposed",
                                            payload: ["projectId": .string(id), "plannedStartDate": "2023-01-01", "plannedEndDate": "2024-06-30"]))
            events.append(try ProposedEvent(stream: "project:" + id, type: "AnnualBudgetPlanned", payload: [
                "budgetLineId": "BL-\"1\"", "periodStart": "2023-01-01", "periodEnd": "2023-12-31", "amount": money("100000", "USD"),
            ]))
        }
        for quote in ["LAK", "EUR", "JPY"] {
            events.append(try ProposedEvent(stream: "fx:" + quote, type: "ExchangeRateRecorded", payload: [
                "baseCurrency": "USD", "quoteCurrency": .string(quote), "rate": .string(quote == "LAK" ? "20500.5" : quote == "EUR" ? "0.92" : "148.1"),
                "effectiveDate": "2023-01-01", "source": "test",
            ]))
        }
        var n = 0
        for round in 0..<rounds {
            for (p, id) in ids.enumerated() {
                n += 1
                let payee = Self.payees[(n + p) % Self.payees.count]
                let amount = Self.amounts[(n * 7 + round) % Self.amounts.count]
                let currency = ["USD", "LAK", "EUR", "JPY", "usd", "XXX1"][(n / 3) % 6]
                let date = "2023-\(String(format: "%02d", 1 + (n % 12)))-\(String(format: "%02d", 1 + (n % 27)))"
                switch n % 9 {
                case 0, 1, 2, 3:
                    events.append(try ProposedEvent(stream: "project:" + id, type: "ExpenditureRecorded", payload: [
                        "amount": money(amount, currency), "date": .string(date), "payee": .string(payee),
                        "invoiceNumber": .string("INV/\(n % 40)\u{1}"),
                    ]))
                    // An exact repeat now and then, so the duplicate rules fire on these names.
                    if n % 5 == 0 {
                        events.append(try ProposedEvent(stream: "project:" + id, type: "ExpenditureRecorded", payload: [
                            "amount": money("1250.50", "USD"), "date": .string(date), "payee": .string(payee),
                            "invoiceNumber": .string("INV/\(n % 40)\u{1}"),
                        ]))
                    }
                case 4:
                    events.append(try ProposedEvent(stream: "project:" + id, type: "DisbursementRecorded", payload: [
                        "amount": money(amount, currency), "date": .string(date), "receiver": .string(payee),
                    ]))
                case 5:
                    events.append(try ProposedEvent(stream: "project:" + id, type: "CommitmentRecorded", payload: [
                        "amount": money(amount, "USD"), "date": .string(date),
                    ]))
                case 6:
                    events.append(try ProposedEvent(stream: "project:" + id, type: "CounterpartContributionRecorded", payload: [
                        "amount": money(amount, "LAK"), "kind": n % 2 == 0 ? "planned" : "actual", "fiscalYear": 2023,
                    ]))
                case 7:
                    // Reverses an earlier event of the ledger: sometimes a transaction, sometimes not.
                    events.append(try ProposedEvent(stream: "project:" + id, type: "TransactionReversed",
                                                    payload: ["reversedSeq": .integer(Int64(max(1, events.count - 3 * ids.count))), "reason": "error"]))
                default:
                    events.append(try ProposedEvent(stream: "project:" + id, type: "AnnualBudgetRevised", payload: [
                        "budgetLineId": "BL-\"1\"", "periodStart": "2023-01-01", "newAmount": money(amount, currency),
                    ]))
                }
            }
            if round == rounds / 2 {
                events.append(try ProposedEvent(stream: RuleSettings.stream, type: RuleSettings.eventType, payload: [
                    "ruleId": "round-amounts", "parameters": ["minimumTrailingZeros": 2], "reason": "test",
                ]))
            }
        }
        for start in stride(from: 0, to: events.count, by: 83) {
            _ = try store.append(Array(events[start..<min(start + 83, events.count)]), actor: actors[(start / 83) % actors.count])
        }
        return store
    }

    func testFastFullEvaluationEqualsTheDecodedReferenceOnUnusualLedgers() throws {
        for (name, projects, rounds) in [("a.sqlite", 9, 1_000), ("b.sqlite", 2, 60), ("c.sqlite", 1, 30)] {
            let store = try ledger(name, projects: projects, rounds: rounds)
            let envelopes = try store.events(EventQuery()).map(\.envelope)
            if projects == 9 { XCTAssertGreaterThan(envelopes.count, 2 * FullEvaluation.batchSize, "several parallel batches") }
            let fast = try FullEvaluation.flags(in: store)
            let reference = FullEvaluation.flags(of: envelopes)
            XCTAssertEqual(fast, reference, name)
            XCTAssertGreaterThan(fast.count, projects, name)
            if projects == 9 {
                // The names with escapes and non-ASCII letters were grouped by, not lost.
                let subjects = Set(fast.map(\.subject.name))
                XCTAssertTrue(subjects.contains("ບໍລິສັດ ສະຫວັນ ກໍ່ສ້າງ ຈໍາກັດ"), "\(subjects)")
                XCTAssertTrue(subjects.contains("Savan \"Drilling\" \\ Co."), "\(subjects)")
                XCTAssertGreaterThan(Set(fast.map(\.ruleId)).count, 6)
            }
        }
    }

    /// The reader's own decimal parser agrees with `Amount` wherever it answers, and answers for
    /// the plain spellings amounts are usually written in.
    func testDecimalReadFromBytesEqualsAmount() {
        var spellings = Self.amounts + ["-1", "-0.5", "10", "99999999999999", "99999999999999.9999", "100000000000000", "0.0001",
                                        "0.00001", "00", "-", "", "1.2.3", "+1", "1,5", "١٢"]
        var random: UInt64 = 11
        for _ in 0..<3_000 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            let digits = String(random >> 20).prefix(Int(1 + (random >> 8) % 16))
            let fraction = String(random >> 40).prefix(Int((random >> 4) % 6))
            spellings.append((random % 7 == 0 ? "-" : "") + digits + (fraction.isEmpty ? "" : "." + fraction))
        }
        var readByReader = 0
        for text in spellings {
            let bytes = Array(text.utf8)
            let expected = try? Amount(text, .usd)
            if let value = StoredEventReader.decimal(bytes, 0..<bytes.count) {
                XCTAssertEqual(Amount(tenThousandths: value, currency: .usd), expected, text)
                readByReader += 1
            }
        }
        XCTAssertGreaterThan(readByReader, 1_500)
    }

    /// Timestamps read from bytes equal `Timestamp.parse`, canonical or not.
    func testTimestampReadFromBytesEqualsParse() {
        let texts = ["2024-05-14T03:00:00.123456Z", "2024-02-29T23:59:59.999999Z", "2023-02-29T00:00:00.000000Z",
                     "2024-05-14T24:00:00.000000Z", "2024-05-14T03:00:00Z", "2024-05-14T03:00:00.123456+07:00",
                     "2024-13-14T03:00:00.123456Z", "2024-05-14 03:00:00.123456Z", "1970-01-01T00:00:00.000000Z",
                     "0001-01-01T00:00:00.000000Z", "2024-05-14T03:00:00.12345xZ"]
        for text in texts {
            let bytes = Array(text.utf8)
            XCTAssertEqual(StoredEventReader.reading(bytes) { $0.timestamp(0..<bytes.count) }, Timestamp.parse(text), text)
        }
        var micros: Int64 = 0
        for step in 0..<2_000 {
            micros += Int64(step) * 7_919_000_003
            let t = Timestamp(microsecondsSinceEpoch: micros)
            let bytes = Array(t.rfc3339.utf8)
            XCTAssertEqual(StoredEventReader.reading(bytes) { $0.timestamp(0..<bytes.count) }, t)
        }
    }

    /// The tail read backwards names the stream and type the decoded envelope has.
    func testTailReadBackwardsEqualsTheDecodedStreamAndType() throws {
        let store = try ledger("t.sqlite", projects: 3, rounds: 20)
        var read = 0
        try store.readStored(EventQuery()) { event in
            StoredEventReader.reading(event.canonicalBytes) { reader in
                if let (stream, type) = reader.tail() {
                    XCTAssertEqual(String(decoding: event.canonicalBytes[stream], as: UTF8.self), event.stream)
                    XCTAssertEqual(String(decoding: event.canonicalBytes[type], as: UTF8.self), event.type)
                    XCTAssertEqual(ProjectFact.kind(reader, type: type).kind, ProjectFact.kind(of: event.type))
                    read += 1
                }
            }
            return true
        }
        XCTAssertGreaterThan(read, 60)
        XCTAssertNil(StoredEventReader.reading(Array("{\"a\":1}".utf8)) { $0.tail() })
    }

    /// The kind read from a type's bytes (picked by length and first byte) is `kind(of:)` for
    /// every type a fact comes from, for other ledger types and for near misses of each length.
    func testKindReadFromBytesEqualsKindOfType() {
        let factTypes = ["ProjectProposed", "ProjectDatesRevised", "ProjectApproved", "CommitmentRecorded", "DisbursementRecorded",
                         "ExpenditureRecorded", "CounterpartContributionRecorded", "AnnualBudgetPlanned", "AnnualBudgetRevised",
                         "BudgetPeriodLocked", "BudgetReopenApproved", "TransactionReversed"]
        var types = factTypes + ["ExchangeRateRecorded", "RuleConfigured", "ProjectClosed", "CaseAssigned", "", "E", "PopulationRulesEvaluated"]
        for name in factTypes {
            // The same length with the first, a middle or the last byte changed, and one byte shorter or longer.
            var bytes = Array(name.utf8)
            for k in [0, bytes.count / 2, bytes.count - 1] {
                var changed = bytes
                changed[k] = changed[k] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
                types.append(String(decoding: changed, as: UTF8.self))
            }
            types.append(String(name.dropLast()))
            bytes.append(UInt8(ascii: "s"))
            types.append(String(decoding: bytes, as: UTF8.self))
        }
        var facts = 0
        for name in types {
            let bytes = Array(("\"" + name + "\"").utf8)
            let read = StoredEventReader.reading(bytes) { ProjectFact.kind($0, type: 1..<(bytes.count - 1)) }
            XCTAssertEqual(read.kind, ProjectFact.kind(of: name), name)
            XCTAssertEqual(read.proposed, name == "ProjectProposed", name)
            if read.kind != nil { facts += 1 }
        }
        XCTAssertEqual(facts, factTypes.count)
    }

    /// Equal bytes give one number and one shared String, different bytes different ones,
    /// through the table's growth; short texts come back equal too.
    func testInternerNumbersEqualBytesAlike() {
        var interner = ByteInterner()
        let names = (0..<3_000).map { "Supplier number \($0) of Savannakhet ສະຫວັນ" }
        let bytes = names.map { Array($0.utf8) }
        for round in 0..<2 {
            for (n, b) in bytes.enumerated() {
                XCTAssertEqual(interner.index(b, 0..<b.count), n, "round \(round)")
            }
        }
        XCTAssertEqual(interner.strings, names)
        let short = Array("user:a".utf8)
        XCTAssertEqual(interner.string(short, 0..<short.count), "user:a")
        let long = Array("xxSupplier number 7 of Savannakhet ສະຫວັນ".utf8)
        XCTAssertEqual(interner.string(long, 2..<long.count), names[7])
    }
}
