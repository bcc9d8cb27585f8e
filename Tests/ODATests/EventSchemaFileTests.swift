import CanonicalJSON
import Foundation
import XCTest
@testable import ODA

final class EventSchemaFileTests: XCTestCase {
    func schemaFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: Repository.schemas, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasSuffix(".schema.json") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The schema files are the source of truth: re-run Tools/generate_embedded_schemas.py when this fails.
    func testEmbeddedSchemasAreExactlyTheFiles() throws {
        let files = try schemaFiles()
        XCTAssertEqual(files.count, 30)
        XCTAssertEqual(Set(files.map { String($0.lastPathComponent.dropLast(".schema.json".count)) }), Set(EventSchemaTexts.byType.keys))
        for file in files {
            let type = String(file.lastPathComponent.dropLast(".schema.json".count))
            let text = try String(contentsOf: file, encoding: .utf8)
            XCTAssertEqual(EventSchemaTexts.byType[type].map { $0 + "\n" }, text, type)
        }
    }

    func testTheCatalogueLoadsEveryTypeOfTheIssue() throws {
        let catalogue = try EventCatalogue()
        XCTAssertEqual(catalogue.types, [
            "AnnualBudgetPlanned", "AnnualBudgetRevised", "BudgetPeriodLocked", "BudgetReopenApproved", "CaseAssigned", "CaseClosed",
            "CaseCommented", "CaseDismissed", "CaseEscalated", "CaseInformationRequested", "CaseReopened", "CommitmentRecorded",
            "CounterpartContributionRecorded", "DPDataImported", "DisbursementRecorded", "ExchangeRateRecorded",
            "ExpenditureRecorded", "FinancingAgreementAmended", "FinancingAgreementSigned", "LocationAllocationRevised",
            "OrganisationRegistered", "ProjectApproved", "ProjectDatesRevised", "ProjectProposed", "ProjectStatusChanged",
            "RuleConfigured", "SectorAllocationRevised", "TransactionReversed", "UserRoleGranted", "UserRoleRevoked",
        ])
        XCTAssertEqual(catalogue.entries["ExchangeRateRecorded"]?.streamKind, "fx")
        XCTAssertEqual(catalogue.entries["UserRoleGranted"]?.streamKind, "user")
        XCTAssertEqual(catalogue.entries["CaseDismissed"]?.streamKind, "case")
        XCTAssertEqual(catalogue.entries["RuleConfigured"]?.streamID(of: "rules"), "")
        XCTAssertNil(catalogue.entries["RuleConfigured"]?.streamID(of: "rules:x"))
    }

    /// python's jsonschema (the reference 2020-12 implementation) accepts every schema and example,
    /// and the README lists every schema.
    func testPythonJSONSchemaAcceptsTheSchemasAndExamples() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.root.appendingPathComponent("Tools/check_event_schemas.py").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 2 { throw XCTSkip(text) }
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("30 schemas checked, 0 problems"), text)
    }

    func testEveryExamplePassesTheSwiftSchemaValidator() throws {
        let catalogue = try EventCatalogue()
        for type in catalogue.types {
            let example = try Repository.example(type)
            XCTAssertEqual(example.type, type)
            XCTAssertNoThrow(try catalogue.entries[type]!.schema.validate(.object(example.payload)), type)
        }
    }
}
