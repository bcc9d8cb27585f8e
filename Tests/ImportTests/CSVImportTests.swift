import CanonicalJSON
import EventLog
import Foundation
import ODA
import XCTest
@testable import Import

/// Government-entered transactions from CSV, and the real ADB project summary.
final class CSVImportTests: XCTestCase {
    func propose(_ ids: [(id: String, title: String, start: String, end: String, cost: String)], ledger: ImportLedger) throws {
        let events = try ids.map { p -> ProposedEvent in
            var payload = JSONObject()
            payload["projectId"] = .string(p.id)
            payload["title"] = .string(p.title)
            payload["developmentPartner"] = .string("ADB")
            payload["implementingAgency"] = .string("MPI")
            payload["plannedStartDate"] = .string(p.start)
            payload["plannedEndDate"] = .string(p.end)
            payload["estimatedCost"] = try Amount(p.cost, currency: "USD").jsonValue
            payload["sectorWorkingGroup"] = .string("infrastructure")
            return try ProposedEvent(stream: "project:" + p.id, type: "ProjectProposed", payload: payload)
        }
        _ = try ledger.store.appendValidated(events, actor: ledger.actor)
    }

    func importCSV(_ text: String, ledger: ImportLedger) throws -> ImportResult {
        try CSVImporter.importFile(at: try ledger.write("gov.csv", text), into: ledger.store, actor: ledger.actor)
    }

    func problems(_ text: String, ledger: ImportLedger) throws -> [ImportProblem] {
        let head = try ledger.store.head().seq
        do {
            _ = try importCSV(text, ledger: ledger)
            XCTFail("imported a broken file")
            return []
        } catch let error as ImportError {
            XCTAssertEqual(try ledger.store.head().seq, head, "nothing may be appended")
            return error.problems
        }
    }

    let header = "project_id,kind,transaction_id,date,amount,currency,provider,payee,invoice_number,approved_by,description\n"

    func testTransactionsAreRecordedAndReimportAppendsNothing() throws {
        let ledger = try ImportLedger()
        try propose([("LA-MPI-1", "Roads", "2020-01-01", "2022-12-31", "1000")], ledger: ledger)
        let text = header + #"""
            LA-MPI-1,commitment,C-1,2020-01-10,1000.00,USD,ADB,,,,
            LA-MPI-1,disbursement,D-1,2020-02-01,400,USD,ADB,,,,
            LA-MPI-1,expenditure,E-1,2020-03-01,-12.5,USD,,"Lao Roads Co., Ltd.",INV-7,mpw.finance,"refund of ""deposit"""
            """#
        let result = try importCSV(text, ledger: ledger)
        XCTAssertEqual(result.appended, 3)
        let snapshot = try XCTUnwrap(ledger.store.projectSnapshot("LA-MPI-1"))
        XCTAssertEqual(try snapshot.total(.commitment), [try Amount("1000", currency: "USD")])
        XCTAssertEqual(try snapshot.total(.disbursement), [try Amount("400", currency: "USD")])
        XCTAssertEqual(try snapshot.total(.expenditure), [try Amount("-12.5", currency: "USD")])
        let expenditure = try XCTUnwrap(ledger.events(type: "ExpenditureRecorded").first?.envelope.payload)
        XCTAssertEqual(expenditure["payee"]?.stringValue, "Lao Roads Co., Ltd.")
        XCTAssertEqual(expenditure["description"]?.stringValue, "refund of \"deposit\"")

        let again = try importCSV(text, ledger: ledger)
        XCTAssertEqual(again.appended, 0)
        XCTAssertEqual(again.alreadyRecorded, 3)

        // The same transaction id with another amount is an error, not an edit.
        let changed = header + "LA-MPI-1,commitment,C-1,2020-01-10,900,USD,ADB,,,,\n"
        let found = try problems(changed, ledger: ledger)
        XCTAssertEqual(found.map(\.line), [2])
        XCTAssertEqual(found.first?.element, "transaction_id")
    }

    func testProblemsNameFileLineAndColumn() throws {
        let ledger = try ImportLedger()
        try propose([("LA-MPI-1", "Roads", "2020-01-01", "2022-12-31", "1000")], ledger: ledger)
        let found = try problems(header + """
            LA-MPI-1,commitment,C-1,2020-02-30,1000,USD,ADB,,,,
            LA-MPI-1,disbursement,D-1,2020-02-01,"1,000",USD,ADB,,,,
            LA-MPI-1,expenditure,E-1,2020-03-01,5,USD,,,INV-7,mpw.finance,
            LA-MPI-1,grant,G-1,2020-03-01,5,USD,ADB,,,,
            """, ledger: ledger)
        XCTAssertEqual(found.map(\.line), [2, 3, 4, 5])
        XCTAssertEqual(found.map(\.element), ["date", "amount", "payee", "kind"])
        XCTAssertTrue(found.allSatisfy { $0.file.hasSuffix("gov.csv") })

        let unknownColumn = try problems("project_id,kind,transaction_id,date,amount,curency\n", ledger: ledger)
        XCTAssertEqual(unknownColumn.map(\.element), ["curency", "currency"])

        // A project the ledger does not know: refused by the validator, reported against its row.
        let unknownProject = try problems(header + "LA-MPI-1,commitment,C-2,2020-01-10,1,USD,ADB,,,,\nLA-NONE,commitment,C-1,2020-01-10,1,USD,ADB,,,,\n", ledger: ledger)
        XCTAssertEqual(unknownProject.map(\.line), [3])
        XCTAssertTrue(unknownProject[0].rule.contains("does not exist"), unknownProject[0].rule)
    }

    /// The ADB summary is not in the government format (one row per project with two totals); the
    /// test turns each project into a commitment row and a disbursement row, amounts copied as text.
    func adbAsGovernmentCSV(roundingFloatNoise: Bool) throws -> (csv: String, projects: [(String, String, String, String, String)]) {
        let text = try String(contentsOfFile: LaoFixtures.adb, encoding: .utf8)
        let records = try CSVReader.read(text, file: "adb")
        var rows = ["project_id,kind,transaction_id,date,amount,currency,provider,reference"]
        var projects: [(String, String, String, String, String)] = []
        for r in records.dropFirst() {
            let f = r.fields
            let (id, title, approval, closing) = ("ADB-" + f[0], String(f[1].prefix(200)), f[2], f[3])
            func amount(_ raw: String) -> String {
                guard roundingFloatNoise else { return raw }
                // Three disbursement sums carry binary floating-point noise (13581046.409999998);
                // round those to cents here, explicitly: the importer never rounds money.
                return String(format: "%.2f", Double(raw)!)
            }
            projects.append((id, title, approval, closing, DecimalText.normalize(f[5])!))
            rows.append("\(id),commitment,\(f[0])-commitment,\(approval),\(amount(f[5])),USD,ADB,ADB project \(f[0])")
            rows.append("\(id),disbursement,\(f[0])-disbursed,\(closing),\(amount(f[6])),USD,ADB,ADB project \(f[0])")
        }
        return (rows.joined(separator: "\n") + "\n", projects)
    }

    func testADBProjectSummary() throws {
        let ledger = try ImportLedger()
        let verbatim = try adbAsGovernmentCSV(roundingFloatNoise: false)
        XCTAssertEqual(verbatim.projects.count, 28)
        try propose(verbatim.projects.map { ($0.0, $0.1, $0.2, $0.3, $0.4) }, ledger: ledger)

        // Verbatim, the three noisy sums are refused, each named by line and column; nothing lands.
        let found = try problems(verbatim.csv, ledger: ledger)
        XCTAssertEqual(found.count, 3)
        XCTAssertTrue(found.allSatisfy { $0.element == "amount" })
        XCTAssertTrue(found.contains { $0.rule.contains("13581046.409999998") })

        let rounded = try adbAsGovernmentCSV(roundingFloatNoise: true)
        let result = try importCSV(rounded.csv, ledger: ledger)
        XCTAssertEqual(result.appended, 56)
        var committed = Amount.zero(try CurrencyCode("USD"))
        var overDisbursed: [String] = []
        for (id, _, _, _, _) in rounded.projects {
            let s = try XCTUnwrap(ledger.store.projectSnapshot(id))
            let c = try s.total(.commitment)[0], d = try s.total(.disbursement)[0]
            committed = try committed.adding(c)
            if try d.compare(c) == .descending { overDisbursed.append(id) }
        }
        // Column commitment_usd of the file sums to 532,950,000.
        XCTAssertEqual(committed, try Amount("532950000", currency: "USD"))
        // The four SDR-denominated loans disbursed above their commitment, as the data README says.
        XCTAssertEqual(overDisbursed.sorted(), ["ADB-32312-013", "ADB-35297-013", "ADB-44057-013", "ADB-46059-001"])
        let tourism = try XCTUnwrap(ledger.store.projectSnapshot("ADB-38015-013"))
        XCTAssertEqual(try tourism.total(.disbursement), [try Amount("9891312.48", currency: "USD")])
    }
}
