import EventLog
import Foundation
@testable import Import
import ODA
import XCTest

/// A newer version of a partner's IATI file: new planned dates become `ProjectDatesRevised`
/// (once per file, also back to earlier dates); a new title, description or estimated cost, for
/// which the catalogue has no revision event, is reported as skipped and nothing else is appended.
final class IATINewerVersionTests: XCTestCase {
    func activity(title: String, start: String, end: String, budget: String = "100") -> String {
        """
        <iati-activities version="2.03">
        <iati-activity default-currency="USD">
          <iati-identifier>XM-TEST-7</iati-identifier>
          <reporting-org ref="XM-TEST"><narrative>Test partner</narrative></reporting-org>
          <title><narrative>\(title)</narrative></title>
          <activity-date type="1" iso-date="\(start)"/>
          <activity-date type="3" iso-date="\(end)"/>
          <budget type="1"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/><value>\(budget)</value></budget>
        </iati-activity>
        </iati-activities>

        """
    }

    func importText(_ text: String, _ ledger: ImportLedger, name: String = "partner.xml") throws -> ImportResult {
        try IATIImporter.importFile(at: try ledger.write(name, text), into: ledger.store, actor: ledger.actor)
    }

    func testNewDatesAreRevisedOnceAndTitleChangesAreReportedNotRecorded() throws {
        let ledger = try ImportLedger()
        let first = try importText(activity(title: "Rural roads", start: "2020-01-01", end: "2021-12-31"), ledger)
        XCTAssertEqual(first.outcomes.map(\.event.envelope.type), ["DPDataImported", "ProjectProposed", "AnnualBudgetPlanned"])
        XCTAssertEqual(first.skipped.count, 0)

        // The partner extends the project by a year and renames it.
        let v2 = activity(title: "Rural roads, phase 1", start: "2020-01-01", end: "2022-12-31")
        let second = try importText(v2, ledger)
        XCTAssertEqual(second.outcomes.map(\.event.envelope.type), ["DPDataImported", "ProjectDatesRevised"])
        let revised = second.outcomes[1].event.envelope.payload
        XCTAssertEqual(revised["startDate"]?.stringValue, "2020-01-01")
        XCTAssertEqual(revised["endDate"]?.stringValue, "2022-12-31")
        XCTAssertTrue(revised["reason"]?.stringValue?.contains("2020-01-01 to 2021-12-31") ?? false)
        let titleNote = try XCTUnwrap(second.skipped.first { $0.element.hasSuffix("/title") })
        XCTAssertTrue(titleNote.rule.contains("\"Rural roads\" to \"Rural roads, phase 1\""), titleNote.rule)
        XCTAssertEqual(second.skipped.count, 1, "\(second.skipped)")
        let snapshot = try XCTUnwrap(try ledger.store.projectSnapshot("XM-TEST-7"))
        XCTAssertEqual(snapshot.endDate, "2022-12-31")
        XCTAssertEqual(snapshot.title, "Rural roads", "the first recorded title stays")

        // The same newer file again: nothing.
        let again = try importText(v2, ledger)
        XCTAssertEqual(again.appended, 0)

        // A third version returns to the original end date: recorded too, though those dates were seen before.
        let third = try importText(activity(title: "Rural roads, phase 1", start: "2020-01-01", end: "2021-12-31"), ledger, name: "v3.xml")
        XCTAssertEqual(third.outcomes.map(\.event.envelope.type), ["DPDataImported", "ProjectDatesRevised"])
        XCTAssertEqual(try ledger.store.projectSnapshot("XM-TEST-7")?.endDate, "2021-12-31")
    }

    func testAChangedBudgetReportsTheEstimatedCostAndRevisesOnlyThePeriod() throws {
        let ledger = try ImportLedger()
        _ = try importText(activity(title: "Water", start: "2020-01-01", end: "2021-12-31"), ledger)
        let second = try importText(activity(title: "Water", start: "2020-01-01", end: "2021-12-31", budget: "130"), ledger)
        XCTAssertEqual(second.outcomes.map(\.event.envelope.type), ["DPDataImported", "AnnualBudgetRevised"])
        XCTAssertEqual(second.skipped.map(\.element), ["iati-activity[XM-TEST-7]/estimatedCost"])
        XCTAssertTrue(second.skipped[0].rule.contains("100 USD to 130 USD"), second.skipped[0].rule)
    }
}
