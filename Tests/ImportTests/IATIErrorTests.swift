import EventLog
import Foundation
import ODA
import XCTest
@testable import Import

/// A file with any problem imports nothing, and every problem names file, line, element and rule.
final class IATIErrorTests: XCTestCase {
    func activity(_ body: String, id: String = "XM-TEST-1") -> String {
        """
        <iati-activity default-currency="USD">
          <iati-identifier>\(id)</iati-identifier>
          <reporting-org ref="XM-TEST"><narrative>Test partner</narrative></reporting-org>
          <title><narrative>Test activity</narrative></title>
          <activity-date type="1" iso-date="2020-01-01"/>
          <activity-date type="3" iso-date="2021-12-31"/>
        \(body)
        </iati-activity>
        """
    }

    func document(_ activities: String, version: String = "2.03") -> String {
        "<iati-activities version=\"\(version)\">\n\(activities)\n</iati-activities>\n"
    }

    func importText(_ text: String, ledger: ImportLedger) throws -> ImportResult {
        try IATIImporter.importFile(at: try ledger.write("partner.xml", text), into: ledger.store, actor: ledger.actor)
    }

    func problems(_ text: String, ledger: ImportLedger) throws -> [ImportProblem] {
        do {
            _ = try importText(text, ledger: ledger)
            XCTFail("imported a broken file")
            return []
        } catch let error as ImportError {
            XCTAssertEqual(try ledger.store.head().seq, 0, "nothing may be appended")
            return error.problems
        }
    }

    func testEveryProblemIsReportedWithLineAndNothingIsAppended() throws {
        let ledger = try ImportLedger()
        let good = activity("""
            <budget type="1"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/><value>100</value></budget>
            """)
        let bad = activity("""
            <transaction><transaction-type code="3"/><transaction-date iso-date="2020-02-30"/><value>5</value></transaction>
            <transaction><transaction-type code="4"/><transaction-date iso-date="2020-03-01"/><value>1.23456</value></transaction>
            """, id: "XM-TEST-2")
        let found = try problems(document(good + "\n" + bad, version: "1.03"), ledger: ledger)
        XCTAssertEqual(found.map(\.line), [1, 16, 17])
        XCTAssertEqual(found[0].element, "iati-activities@version")
        XCTAssertEqual(found[1].element, "iati-activity/transaction/transaction-date")
        XCTAssertEqual(found[2].element, "iati-activity/transaction/value")
        XCTAssertTrue(found[2].rule.contains("at most 4 fraction digits"), found[2].rule)
        XCTAssertTrue(found.allSatisfy { $0.file.hasSuffix("partner.xml") })
    }

    func testMalformedXMLNamesTheLine() throws {
        let ledger = try ImportLedger()
        let found = try problems("<iati-activities version=\"2.03\">\n<iati-activity>\n</iati-activities>\n", ledger: ledger)
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found[0].rule.contains("not well-formed XML"), found[0].rule)
        XCTAssertEqual(found[0].line, 3)
    }

    func testANegativeDisbursementIsRefusedButANegativeExpenditureIsRecorded() throws {
        let ledger = try ImportLedger()
        let found = try problems(document(activity("""
            <transaction><transaction-type code="3"/><transaction-date iso-date="2020-02-01"/><value>-5</value></transaction>
            """)), ledger: ledger)
        XCTAssertEqual(found.map(\.line), [8])
        XCTAssertTrue(found[0].rule.contains("cannot be negative"), found[0].rule)

        let result = try importText(document(activity("""
            <transaction><transaction-type code="4"/><transaction-date iso-date="2020-02-01"/><value>-5.50</value></transaction>
            <transaction><transaction-type code="5"/><transaction-date iso-date="2020-02-01"/><value>7</value></transaction>
            <planned-disbursement type="1"><period-start iso-date="2020-01-01"/><value>9</value></planned-disbursement>
            """)), ledger: ledger)
        XCTAssertEqual(result.skipped.map(\.line).sorted(), [9, 10])
        let snapshot = try XCTUnwrap(ledger.store.projectSnapshot("XM-TEST-1"))
        XCTAssertEqual(snapshot.transactions.map(\.amount.canonicalText), ["-5.5"])
    }

    func testARefusalByTheLedgerNamesTheElement() throws {
        let ledger = try ImportLedger()
        // Two overlapping periods of the same budget line: the ledger's validator refuses the second.
        let found = try problems(document(activity("""
            <budget type="1"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/><value>100</value></budget>
            <budget type="1"><period-start iso-date="2020-06-01"/><period-end iso-date="2021-05-31"/><value>100</value></budget>
            """)), ledger: ledger)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found[0].line, 9)
        XCTAssertTrue(found[0].element.hasSuffix("/budget"), found[0].element)
        XCTAssertTrue(found[0].rule.contains("AnnualBudgetPlanned refused by the ledger"), found[0].rule)
    }

    func testANewerFileAppendsRevisionsAndReversalsOnly() throws {
        let ledger = try ImportLedger()
        let v1 = document(activity("""
            <budget type="1"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/><value>100</value></budget>
            <transaction><transaction-type code="2"/><transaction-date iso-date="2020-01-15"/><value>100</value></transaction>
            <transaction><transaction-type code="4"/><transaction-date iso-date="2020-03-01"/><value>40</value></transaction>
            """))
        let first = try importText(v1, ledger: ledger)
        XCTAssertEqual(first.appended, 5)  // provenance, proposal, budget, two transactions
        // The newer file: the 2020 budget is revised to 120 and the expenditure corrected to 45.
        let v2 = document(activity("""
            <budget type="2"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/><value>120</value></budget>
            <transaction><transaction-type code="2"/><transaction-date iso-date="2020-01-15"/><value>100</value></transaction>
            <transaction><transaction-type code="4"/><transaction-date iso-date="2020-03-01"/><value>45</value></transaction>
            """))
        let second = try importText(v2, ledger: ledger)
        XCTAssertEqual(second.outcomes.map(\.event.envelope.type),
                       ["DPDataImported", "AnnualBudgetRevised", "ExpenditureRecorded", "TransactionReversed"])
        let snapshot = try XCTUnwrap(ledger.store.projectSnapshot("XM-TEST-1"))
        XCTAssertEqual(try snapshot.budgetTotal(), [try Amount("120", currency: "USD")])
        XCTAssertEqual(try snapshot.total(.expenditure), [try Amount("45", currency: "USD")])
        XCTAssertEqual(try snapshot.total(.commitment), [try Amount("100", currency: "USD")])
        // And the newer file a second time: nothing.
        XCTAssertEqual(try importText(v2, ledger: ledger).appended, 0)
    }
}
