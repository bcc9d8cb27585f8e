import CanonicalJSON
import EventLog
import Foundation
import ODA
import XCTest
@testable import Import

/// Imports the real UNDP excerpt and checks figures a person can add up in the XML by hand.
final class IATIImportTests: XCTestCase {
    let coordination = "XM-DAC-41114-OUTPUT-00032629"
    let agroBiodiversity = "XM-DAC-41114-OUTPUT-00075435"
    let parent = "XM-DAC-41114-PROJECT-00032152"

    func usd(_ text: String) throws -> Amount { try Amount(text, currency: "USD") }

    func budgets(_ snapshot: ProjectSnapshot) -> [String: String] {
        Dictionary(uniqueKeysWithValues: snapshot.budgetLines.map { (String($0.periodStart.prefix(4)), $0.current.canonicalText) })
    }

    func testUNDPExcerptBudgetsTransactionsAndProvenance() throws {
        let ledger = try ImportLedger()
        let result = try IATIImporter.importFile(at: LaoFixtures.undp, into: ledger.store, actor: ledger.actor)
        XCTAssertEqual(result.alreadyRecorded, 0)
        XCTAssertTrue(result.skipped.isEmpty)

        // Three activities, each its own project; the parent has no money of its outputs.
        for id in [coordination, agroBiodiversity, parent] { XCTAssertNotNil(try ledger.store.projectSnapshot(id), id) }
        let top = try XCTUnwrap(ledger.store.projectSnapshot(parent))
        XCTAssertTrue(top.budgetLines.isEmpty)
        XCTAssertTrue(top.transactions.isEmpty)
        XCTAssertEqual(top.status, .proposed)
        XCTAssertEqual(top.partner, "XM-DAC-41114")
        XCTAssertEqual(top.plannedStart, "2004-01-01")
        XCTAssertEqual(top.plannedEnd, "2017-12-31")

        // Per-year budgets, lines 140–153 and 372–400 of the XML.
        let a2 = try XCTUnwrap(ledger.store.projectSnapshot(coordination))
        XCTAssertEqual(budgets(a2), ["2015": "72100", "2016": "4669", "2017": "4669"])
        let a4 = try XCTUnwrap(ledger.store.projectSnapshot(agroBiodiversity))
        XCTAssertEqual(budgets(a4), ["2012": "418139", "2013": "241052", "2014": "594369", "2015": "580616", "2016": "600214", "2017": "0"])
        XCTAssertEqual(try a4.budgetTotal(), [try usd("2434390")])

        // Transactions by IATI type: 11 (incoming commitment) → commitment, 4 → expenditure.
        XCTAssertEqual(a2.transactions.filter { $0.kind == .commitment }.count, 5)
        XCTAssertEqual(a2.transactions.filter { $0.kind == .expenditure }.count, 3)
        XCTAssertEqual(a4.transactions.filter { $0.kind == .commitment }.count, 10)
        XCTAssertEqual(a4.transactions.filter { $0.kind == .expenditure }.count, 6)
        // Budgets per year equal incoming commitments per year: 81,438 in all for the coordination output.
        XCTAssertEqual(try a2.total(.commitment), [try usd("81438")])
        XCTAssertEqual(try a2.total(.expenditure), [try usd("72100")])
        XCTAssertEqual(try a4.total(.commitment), [try usd("2434390")])
        // The −5 USD expenditure of 2017-06-30 is recorded as published.
        let refund = try XCTUnwrap(a4.transactions.first { $0.amount.canonicalText == "-5" })
        XCTAssertEqual(refund.kind, .expenditure)
        XCTAssertEqual(refund.date, "2017-06-30")
        XCTAssertEqual(try a4.total(.expenditure), [try usd("2384004")])
        // 2014: 627,601 spent against a 594,369 budget (105.6 %).
        let spent2014 = a4.transactions.filter { $0.kind == .expenditure && $0.date?.hasPrefix("2014") == true }
        XCTAssertEqual(spent2014.map(\.amount.canonicalText), ["627601"])

        // Sectors and provinces.
        XCTAssertEqual(a4.sectors.map(\.code), ["41010"])
        XCTAssertEqual(a4.provinces.map(\.code).sorted(), ["LA-LP", "LA-XI"])
        XCTAssertEqual(a4.sectorWorkingGroup, "natural-resources-environment")

        // The four organisations the activities name, registered once each with their IATI type.
        let organisations = try ledger.events(type: "OrganisationRegistered").map(\.envelope.payload)
        XCTAssertEqual(organisations.compactMap { $0["organisationId"]?.stringValue }.sorted(), ["00155", "10003", "10717", "XM-DAC-41114"])
        let undp = try XCTUnwrap(organisations.first { $0["organisationId"]?.stringValue == "XM-DAC-41114" })
        XCTAssertEqual(undp["name"]?.stringValue, "United Nations Development Programme")
        XCTAssertEqual(undp["organisationType"]?.stringValue, "40")

        // Provenance: the file's SHA-256 and IATI version, on the publisher's stream.
        let provenance = try ledger.events(type: "DPDataImported")
        XCTAssertEqual(provenance.count, 1)
        let payload = try XCTUnwrap(provenance.first?.envelope.payload)
        XCTAssertEqual(payload["iatiVersion"]?.stringValue, "2.02")
        XCTAssertEqual(payload["fileSha256"]?.stringValue, result.fileSha256)
        XCTAssertEqual(payload["activityCount"], .integer(3))
        XCTAssertEqual(provenance.first?.envelope.stream, "org:XM-DAC-41114")
    }

    func testReimportingTheSameFileAppendsNothing() throws {
        let ledger = try ImportLedger()
        let first = try IATIImporter.importFile(at: LaoFixtures.undp, into: ledger.store, actor: ledger.actor)
        let head = try ledger.store.head().seq
        XCTAssertEqual(Int64(first.appended), head)
        let second = try IATIImporter.importFile(at: LaoFixtures.undp, into: ledger.store, actor: ledger.actor)
        XCTAssertEqual(second.appended, 0)
        XCTAssertEqual(second.alreadyRecorded, first.appended)
        XCTAssertEqual(try ledger.store.head().seq, head)
    }
}
