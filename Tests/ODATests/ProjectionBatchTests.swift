import CanonicalJSON
import EventLog
import SQLite
import XCTest
@testable import ODA

/// The batched writes of `ProjectionBatch`: whatever the batch sizes (one event, a batch that is
/// not a multiple of the multi-row insert, a reversal of a transaction still pending in the same
/// batch), the tables equal those of a rebuild and of a one-event-at-a-time replay.
final class ProjectionBatchTests: XCTestCase {
    let project = "LA-MPI-2026-0001"

    func event(_ i: Int) throws -> ProposedEvent {
        if i == 0 {
            return try Repository.example("ProjectProposed").editing { $0["projectId"] = .string(project) }
                .onStream("project:" + project)
        }
        let types = ["CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded"]
        return try Repository.example(types[i % 4]).editing {
            $0["transactionId"] = .string("T-\(i)")
            $0["amount"] = ["amount": .string("\(i * 37 % 1000).\(i % 100)"), "currency": i % 3 == 0 ? "LAK" : "USD"]
        }.onStream("project:" + project)
    }

    func digest(_ store: EventStore) throws -> ProjectionDigest {
        try store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
    }

    func testBatchesOfAnySizeGiveTheSameTablesAsARebuildAndASingleEventReplay() throws {
        let events = try (0..<300).map(event)
        let batched = try TemporaryLedger(projected: true)
        var sizes = [1, 63, 64, 65, 107]
        var start = 0
        while start < events.count {
            let size = sizes.isEmpty ? events.count - start : sizes.removeFirst()
            _ = try batched.store.append(Array(events[start..<min(start + size, events.count)]), actor: proposer)
            start += size
        }
        let one = try TemporaryLedger(projected: true)
        for e in events { _ = try one.store.append([e], actor: proposer) }
        let live = try digest(batched.store)
        let rebuilt = try batched.store.rebuild(ProjectStateProjector(), swap: false) { try ProjectionDigest(of: $0, prefix: $1) }
        XCTAssertEqual(rebuilt.result, live)
        // The other ledger differs only in recordedAt, which the audit trail carries: compare rows instead.
        let rows = { (store: EventStore) in
            var out = try store.withProjectionSnapshot { db -> [String] in
                var out: [String] = []
                try db.query("SELECT seq, transaction_id, kind, date, fiscal_year, amount, currency, counterparty FROM proj_transactions ORDER BY seq") { row in
                    out.append((0..<8).map { c in row.isNull(at: c) ? "null" : row.text(at: c) }.joined(separator: "|"))
                }
                return out
            }
            let history = try XCTUnwrap(try store.projectSnapshot(self.project)).history
            out += history.map { "\($0.seq)|\($0.type)|\($0.summary)" }
            return out
        }
        let batchedRows = try rows(batched.store)
        XCTAssertEqual(batchedRows.count, 299 + 300)
        XCTAssertEqual(batchedRows, try rows(one.store))
        XCTAssertTrue(batchedRows.contains("2|DisbursementRecorded|disbursement T-1 37.1 USD"),
                      "the summary is built from the amount parsed once")
    }

    func testAReversalInTheSameBatchAsItsTransactionIsApplied() throws {
        let ledger = try TemporaryLedger(projected: true)
        var events = try (0..<100).map(event)
        // seq 71 is event 70, a disbursement when 70 % 4 == 2.
        events.append(try Repository.example("TransactionReversed").editing { $0["reversedSeq"] = 71 }.onStream("project:" + project))
        events.append(try event(100))
        _ = try ledger.store.append(events, actor: proposer)
        let reversedBy = try ledger.store.withProjectionSnapshot { db in
            try db.scalarInt64("SELECT reversed_by FROM proj_transactions WHERE seq = 71")
        }
        XCTAssertEqual(reversedBy, 101)
        let rebuilt = try ledger.store.rebuild(ProjectStateProjector(), swap: false) { try ProjectionDigest(of: $0, prefix: $1) }
        XCTAssertEqual(rebuilt.result, try digest(ledger.store))
        let snapshot = try XCTUnwrap(try ledger.store.projectSnapshot(project))
        XCTAssertEqual(snapshot.transactions.count, 100)
        XCTAssertEqual(snapshot.history.count, 102)
    }
}

extension ProposedEvent {
    func onStream(_ stream: String) -> ProposedEvent {
        var copy = self
        copy.stream = stream
        return copy
    }
}

/// The transaction rows go to SQLite through `StatementParameters` (texts lent, not copied by
/// SQLite), in multi-row inserts of every size: the table must equal the one the single-row
/// statement with copied `SQLValue` binds writes, on rows with texts that trip a byte copy (empty,
/// non-ASCII, an embedded NUL, long) and with every optional column absent and present.
final class TransactionRowParameterTests: XCTestCase {
    static func rows(_ count: Int) -> [TransactionRow] {
        let texts = ["", "E-1", "ວຽງຈັນ ແຂວງ", "a\u{0}b", String(repeating: "Champasak Builders ", count: 40), "\u{1F600}"]
        return (0..<count).map { i in
            TransactionRow(seq: Int64(i * 3 + 1), project: i % 7 == 0 ? "" : "LA-MPI-2026-\(i % 5)",
                           transactionId: i % 4 == 0 ? nil : texts[i % texts.count] + "\(i)",
                           kind: TransactionKind.allCases[i % TransactionKind.allCases.count],
                           date: i % 5 == 0 ? nil : "2026-0\(1 + i % 9)-1\(i % 10)",
                           fiscalYear: i % 6 == 0 ? nil : Int64(2020 + i % 9) * (i % 11 == 0 ? -1 : 1),
                           amount: "\(i * 7919 % 100_000).\(i % 100)", currency: i % 2 == 0 ? "USD" : "LAK",
                           counterparty: i % 3 == 0 ? nil : texts[(i + 1) % texts.count],
                           reversedBy: i % 8 == 0 ? Int64.max - Int64(i) : nil)
        }
    }

    func database() throws -> ProjectionDatabase {
        let db = ProjectionDatabase(connection: try Connection(path: ":memory:", mode: .readWriteCreate))
        try ProjectStateProjector().createTables(in: db, prefix: "")
        return db
    }

    func testLentMultiRowInsertsEqualCopiedSingleRowInserts() throws {
        // 64 + 64 + 32 + 8 + 2 + 1 rows: full inserts and a remainder of several powers of two.
        let rows = Self.rows(171)
        let sql = ProjectionStatements.live
        let lent = try database()
        var parameters = StatementParameters()
        try TransactionRow.insert(rows[...], into: lent, sql: sql, parameters: &parameters)

        let copied = try database()
        for row in rows {
            try copied.execute(sql.transaction, [
                .integer(row.seq), .text(row.project), row.transactionId.map(SQLValue.text) ?? .null, .text(row.kind.rawValue),
                row.date.map(SQLValue.text) ?? .null, row.fiscalYear.map(SQLValue.integer) ?? .null, .text(row.amount),
                .text(row.currency), row.counterparty.map(SQLValue.text) ?? .null, row.reversedBy.map(SQLValue.integer) ?? .null,
            ])
        }
        XCTAssertEqual(try lent.scalarInt64("SELECT count(*) FROM proj_transactions"), 171)
        XCTAssertEqual(try ProjectionDigest(of: lent), try ProjectionDigest(of: copied))
        var stored: [String] = []
        try lent.query("SELECT transaction_id FROM proj_transactions WHERE transaction_id IS NOT NULL ORDER BY seq") {
            stored.append($0.text(at: 0))
        }
        XCTAssertEqual(stored, rows.compactMap(\.transactionId), "texts with NULs and non-ASCII stored byte for byte")
    }
}
