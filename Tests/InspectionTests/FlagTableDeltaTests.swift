import EventLog
import ODA
import SQLite
import XCTest
@testable import Inspection

/// `FlagTable.write` extends a flag's stored evidence in place when it only grew at its end;
/// the rows must be byte for byte those a whole write leaves, over random sequences of a
/// project's flags growing, shrinking, changing inside, coming and going.
final class FlagTableDeltaTests: XCTestCase {
    private func database() throws -> ProjectionDatabase {
        let db = ProjectionDatabase(connection: try Connection(path: ":memory:", mode: .readWriteCreate))
        try db.executeScript(FlagTable.create(prefix: ""))
        return db
    }

    /// Every stored row, every column as text (NULL spelt out), in id order.
    private func rows(_ db: ProjectionDatabase) throws -> [String] {
        var out: [String] = []
        try db.query("SELECT * FROM insp_flags ORDER BY id") { row in
            out.append((0..<row.columnCount).map { row.optionalText(at: $0) ?? "NULL" }.joined(separator: "|"))
        }
        return out
    }

    private func flag(_ subject: String, evidence: [Int64], score: Int, amount: Amount?) -> Flag {
        let s = Subject(kind: .payee, name: subject, project: "LA-TEST-0")
        return Flag(id: Flag.id(rule: "near-duplicate-payments", subject: s), ruleId: "near-duplicate-payments", ruleVersion: 1,
                    severity: .medium, parameters: ["windowDays": 7, "toleranceBasisPoints": 100], subject: s, amount: amount,
                    amountIsUSD: amount?.currency == .usd, score: score, evidence: evidence,
                    explanation: "\(evidence.count) payments to \(subject).")
    }

    func testGrownEvidenceIsWrittenAsAWholeWriteWould() throws {
        let delta = try database(), whole = try database()
        var random: UInt64 = 7
        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(bound))
        }
        let subjects = ["Savan Drilling", "Mekong Builders", "Lao Consult"]
        var current: [String: Flag] = [:]
        var grownWrites = 0
        for step in 0..<400 {
            var after = current
            let subject = subjects[next(subjects.count)]
            let old = current[subject]?.evidence ?? []
            var evidence = old
            switch next(6) {
            case 0, 1, 2: evidence += (0..<(1 + next(3))).map { Int64(step * 10 + $0 + 1_000) }   // grows at its end
            case 3: if !evidence.isEmpty { evidence.removeLast() }                               // shrinks
            case 4: if evidence.count > 1 { evidence[next(evidence.count - 1)] -= 1 }             // changes inside
            default: evidence = []                                                               // goes
            }
            let amount: Amount? = next(4) == 0 ? nil : Amount(tenThousandths: Int128(next(1_000_000)), currency: next(2) == 0 ? .usd : .lak)
            after[subject] = evidence.isEmpty ? nil : flag(subject, evidence: evidence, score: 40 + next(50), amount: amount)
            let change = RuleEngine.difference(from: Array(current.values), to: Array(after.values))
            for (i, written) in change.written.enumerated() {
                if let replaced = change.replacing[i], FlagTable.grownEvidence(from: replaced, to: written) != nil { grownWrites += 1 }
            }
            try FlagTable.write(change, project: "LA-TEST-0", in: delta, prefix: "")
            try FlagTable.write(RuleEngine.Change(written: change.written, removed: change.removed), project: "LA-TEST-0",
                                in: whole, prefix: "")
            XCTAssertEqual(try rows(delta), try rows(whole), "step \(step)")
            current = after
        }
        XCTAssertGreaterThan(grownWrites, 50, "the in-place path ran")
        XCTAssertEqual(try FlagTable.all(in: delta), current.values.sorted { $0.id < $1.id })
    }

    func testOnlyEvidenceGrownAtItsEndIsAppended() {
        let a = flag("Lao Consult", evidence: [3, 9, 12], score: 50, amount: nil)
        XCTAssertEqual(FlagTable.grownEvidence(from: a, to: flag("Lao Consult", evidence: [3, 9, 12, 15, 20], score: 60, amount: nil)).map(Array.init), [15, 20])
        XCTAssertNil(FlagTable.grownEvidence(from: a, to: flag("Lao Consult", evidence: [3, 9, 12], score: 60, amount: nil)))
        XCTAssertNil(FlagTable.grownEvidence(from: a, to: flag("Lao Consult", evidence: [3, 10, 12, 15], score: 50, amount: nil)))
        XCTAssertNil(FlagTable.grownEvidence(from: a, to: flag("Lao Consult", evidence: [2, 3, 9, 12], score: 50, amount: nil)))
        XCTAssertNil(FlagTable.grownEvidence(from: a, to: flag("Mekong Builders", evidence: [3, 9, 12, 15], score: 50, amount: nil)))
        XCTAssertNil(FlagTable.grownEvidence(from: flag("Lao Consult", evidence: [], score: 50, amount: nil), to: a))
    }
}
