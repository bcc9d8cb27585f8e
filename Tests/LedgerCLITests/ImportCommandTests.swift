import Foundation
import XCTest

/// `oda-ledger import iati` end to end, with the real UNDP excerpt.
final class ImportCommandTests: XCTestCase {
    static let undp = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/lao/undp_lao_iati_2.02_excerpt.xml").standardized.path

    func testImportThenReimportAppendsNothing() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let first = cli.run(["import", "iati", Self.undp, "--data", cli.data])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains(" already recorded"), first.stdout)
        XCTAssertFalse(first.stdout.contains(": 0 events appended"), first.stdout)
        let second = cli.run(["import", "iati", Self.undp, "--data", cli.data])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains(": 0 events appended"), second.stdout)
        let show = cli.run(["project", "show", "XM-DAC-41114-OUTPUT-00075435", "--data", cli.data])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("Agro-biodiversity conservation"), show.stdout)
    }

    func testBrokenFileNamesLineAndElementAndAppendsNothing() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let path = try cli.write("bad.xml", """
            <iati-activities version="2.03">
              <iati-activity default-currency="USD">
                <iati-identifier>XM-TEST-1</iati-identifier>
                <reporting-org ref="XM-TEST"><narrative>Test</narrative></reporting-org>
                <title><narrative>A</narrative></title>
                <activity-date type="1" iso-date="2020-01-01"/>
                <activity-date type="3" iso-date="2021-12-31"/>
                <transaction>
                  <transaction-type code="4"/>
                  <transaction-date iso-date="2020-05-01"/>
                  <value>1,000</value>
                </transaction>
              </iati-activity>
            </iati-activities>
            """)
        let result = cli.run(["import", "iati", path, "--data", cli.data])
        XCTAssertEqual(result.status, 2, result.stdout)
        XCTAssertTrue(result.stderr.contains("bad.xml:11: <iati-activity/transaction/value>"), result.stderr)
        XCTAssertTrue(result.stderr.contains("nothing was imported"), result.stderr)
        XCTAssertTrue(cli.run(["log", "--data", cli.data]).stdout.isEmpty)
    }
}

extension ImportCommandTests {
    func testCSVImportAndHelpListsTheColumns() throws {
        let cli = try CLIHarness()
        XCTAssertEqual(cli.run(["init", "--data", cli.data]).status, 0)
        let help = cli.run(["import", "--help"])
        for column in ["project_id", "transaction_id", "invoice_number", "approved_by"] {
            XCTAssertTrue(help.stdout.contains(column), help.stdout)
        }
        let xml = try cli.write("one.xml", """
            <iati-activities version="2.01">
              <iati-activity default-currency="USD">
                <iati-identifier>XM-TEST-1</iati-identifier>
                <reporting-org ref="XM-TEST"><narrative>Test</narrative></reporting-org>
                <title><narrative>A</narrative></title>
                <activity-date type="1" iso-date="2020-01-01"/>
                <activity-date type="3" iso-date="2021-12-31"/>
              </iati-activity>
            </iati-activities>
            """)
        XCTAssertEqual(cli.run(["import", "iati", xml, "--data", cli.data]).status, 0)
        let csv = try cli.write("gov.csv", "project_id,kind,transaction_id,date,amount,currency,provider\nXM-TEST-1,disbursement,D-1,2020-02-01,250,USD,XM-TEST\n")
        let first = cli.run(["import", "csv", csv, "--data", cli.data])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains(": 1 events appended"), first.stdout)
        XCTAssertTrue(cli.run(["import", "csv", csv, "--data", cli.data]).stdout.contains(": 0 events appended, 1 already recorded"))
        XCTAssertEqual(cli.run(["import", "xls", csv, "--data", cli.data]).status, 2)
    }
}
