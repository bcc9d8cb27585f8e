import CanonicalJSON
import XCTest
@testable import ODA

final class SchemaValidatorTests: XCTestCase {
    let catalogue = EventCatalogue.standard

    func violation(_ type: String, _ edit: (inout JSONObject) -> Void) throws -> SchemaViolation? {
        let example = try Repository.example(type).editing(edit)
        do { try catalogue.entries[type]!.schema.validate(.object(example.payload)) } catch { return error }
        return nil
    }

    func check(_ type: String, _ pointer: String, _ rule: String, file: StaticString = #filePath, line: UInt = #line,
               _ edit: (inout JSONObject) -> Void) throws {
        let found = try violation(type, edit)
        XCTAssertEqual(found?.pointer, pointer, "\(String(describing: found))", file: file, line: line)
        XCTAssertEqual(found?.rule.contains(rule), true, found?.rule ?? "accepted", file: file, line: line)
    }

    func testEachKeywordNamesThePointerAndTheRule() throws {
        try check("DisbursementRecorded", "/amount/currency", "must be an ISO 4217 code; XYZ is not one") {
            $0["amount"] = ["amount": "5.00", "currency": "XYZ"]
        }
        try check("DisbursementRecorded", "/amount/amount", "must match") { $0["amount"] = ["amount": "-5.00", "currency": "USD"] }
        try check("CommitmentRecorded", "/amount/amount", "more than 4 digits after the decimal point") {
            $0["amount"] = ["amount": "1.00001", "currency": "USD"]
        }
        try check("CommitmentRecorded", "/amount/amount", "zero has no sign") { $0["amount"] = ["amount": "-0", "currency": "USD"] }
        try check("CommitmentRecorded", "/amount/amount", "no leading zeros") { $0["amount"] = ["amount": "007", "currency": "USD"] }
        try check("CommitmentRecorded", "/amount/amount", "must be a string, not an integer") { $0["amount"] = ["amount": 5, "currency": "USD"] }
        try check("CommitmentRecorded", "/amount/rate", "is not allowed here") {
            $0["amount"] = ["amount": "5", "currency": "USD", "rate": "1"]
        }
        try check("CommitmentRecorded", "/provider", "is required") { $0["provider"] = nil }
        try check("CommitmentRecorded", "/note", "is not allowed here") { $0["note"] = "x" }
        try check("CommitmentRecorded", "/date", "must be a real calendar date written YYYY-MM-DD; 2023-02-29 is not one") {
            $0["date"] = "2023-02-29"
        }
        try check("CommitmentRecorded", "/date", "2024-04-31 is not one") { $0["date"] = "2024-04-31" }
        try check("CommitmentRecorded", "/date", "is not one") { $0["date"] = "2024-1-05" }
        XCTAssertNil(try violation("CommitmentRecorded") { $0["date"] = "2024-02-29" })
        try check("ProjectApproved", "/approvingAuthority", "must be one of \"Government\", \"MPI\", \"MoFA\"; \"MOF\" is not one") {
            $0["approvingAuthority"] = "MOF"
        }
        try check("ProjectApproved", "/selfApproved", "must be true") { $0["selfApproved"] = false }
        try check("ProjectApproved", "/approvalReference", "must not be empty") { $0["approvalReference"] = "" }
        try check("ProjectApproved", "/approvalReference", "at most 200 characters") {
            $0["approvalReference"] = .string(String(repeating: "ບ", count: 201))
        }
        XCTAssertNil(try violation("ProjectApproved") { $0["approvalReference"] = .string(String(repeating: "ບ", count: 200)) })
        try check("CounterpartContributionRecorded", "/fiscalYear", "must be at least 2000") { $0["fiscalYear"] = 1999 }
        try check("CounterpartContributionRecorded", "/fiscalYear", "must be at most 2100") { $0["fiscalYear"] = 2101 }
        try check("CounterpartContributionRecorded", "/inKind", "must be a boolean, not a string") { $0["inKind"] = "yes" }
        try check("TransactionReversed", "/reversedSeq", "must be at least 1") { $0["reversedSeq"] = 0 }
        try check("SectorAllocationRevised", "/allocations/1/sector", "must be a DAC 5-digit sector code; 99999 is not one") {
            $0["allocations"] = [["sector": "14030", "percentage": "50"], ["sector": "99999", "percentage": "50"]]
        }
        try check("SectorAllocationRevised", "/allocations", "at least 1 item") { $0["allocations"] = [] }
        try check("SectorAllocationRevised", "/allocations/0/percentage", "greater than 0 and at most 100") {
            $0["allocations"] = [["sector": "14030", "percentage": "0"]]
        }
        try check("LocationAllocationRevised", "/allocations/0/province", "must be an ISO 3166-2:LA province code (LA-AT … LA-XS); LA-XN is not one") {
            $0["allocations"] = [["province": "LA-XN", "percentage": "100"]]
        }
        try check("OrganisationRegistered", "/organisationType", "must be an IATI organisation type") { $0["organisationType"] = "41" }
        try check("ProjectProposed", "/sectorWorkingGroup", "is not one") { $0["sectorWorkingGroup"] = "water" }
        try check("ExchangeRateRecorded", "/rate", "greater than zero") { $0["rate"] = "0.0" }
        try check("DPDataImported", "/fileSha256", "must match ^[0-9a-f]{64}$") { $0["fileSha256"] = "ABC" }
    }

    func testUnsupportedKeywordsAreRefusedWhenLoading() {
        for text in [#"{"type":"object","oneOf":[]}"#, #"{"additionalProperties":true}"#, #"{"format":"email"}"#,
                     ##"{"$ref":"#/$defs/missing"}"##, #"{"type":"number"}"#, #"{"x-codelist":"ISO639"}"#, #"{"pattern":"("}"#] {
            XCTAssertThrowsError(try SchemaValidator(schemaText: text), text)
        }
    }

    func testCalendarDates() {
        XCTAssertNotNil(CalendarDate("2000-02-29"))
        XCTAssertNil(CalendarDate("1900-02-29"))
        XCTAssertNil(CalendarDate("2024-13-01"))
        XCTAssertNil(CalendarDate("2024-00-10"))
        XCTAssertNil(CalendarDate("0000-01-01"))
        XCTAssertNil(CalendarDate("2024-01-1a"))
        XCTAssertEqual(CalendarDate("2024-01-31")!.adding(months: 1).description, "2024-02-29")
        XCTAssertEqual(CalendarDate("2024-03-01")!.adding(months: 12).description, "2025-03-01")
        XCTAssertTrue(CalendarDate("2024-12-31")! > CalendarDate("2024-02-01")!)
    }
}
