import Foundation
import XCTest
@testable import ODA

final class ReferenceDataTests: XCTestCase {
    static let codelists = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/codelists").standardized

    func testEighteenProvincesWithTheirISOCodes() {
        XCTAssertEqual(Province.allCases.count, 18)
        XCTAssertEqual(Set(Province.allCases.map(\.code)).count, 18)
        XCTAssertEqual(Province(rawValue: "LA-VT")?.name, "Vientiane Capital")
        XCTAssertTrue(Province.vientianeCapital.isPrefecture)
        XCTAssertEqual(Province(rawValue: "LA-XS")?.isoName, "Xaisômboun")
        XCTAssertEqual(Province.allCases.filter(\.isPrefecture).count, 1)
        XCTAssertNil(Province(rawValue: "LA-XN"), "GENC's code for Xaisômboun is not ISO's")
    }

    func testTenSectorWorkingGroups() {
        XCTAssertEqual(SectorWorkingGroup.allCases.count, 10)
    }

    func testSectorCodesComeFromTheDACListAndWithdrawnOnesAreRefused() throws {
        XCTAssertEqual(try SectorCode("11110").name, "Education policy and administrative management")
        XCTAssertEqual(try SectorCode("11110").category, "111")
        XCTAssertThrowsError(try SectorCode("99999")) { XCTAssertEqual("\($0)", "must be a DAC 5-digit sector code; 99999 is not one") }
        let withdrawn = try XCTUnwrap(CodelistTables.sectors.first { $0.value.withdrawn }?.key)
        XCTAssertThrowsError(try SectorCode(withdrawn)) { error in
            guard case .withdrawnSector = error as? ReferenceDataError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try OrganisationType("40").name, "Multilateral")
        XCTAssertThrowsError(try OrganisationType("41"))
        XCTAssertEqual(OrganisationType.all.count, 16)
    }

    /// The generated tables must be exactly the fixture CSVs: re-run Tools/generate_reference_tables.py when this fails.
    func testGeneratedTablesMatchTheCodelistCSVs() throws {
        func rows(_ name: String) throws -> [[String]] {
            let text = try String(contentsOf: Self.codelists.appendingPathComponent(name), encoding: .utf8)
            return text.split(whereSeparator: \.isNewline).dropFirst().map(Self.csvFields)
        }
        let currencies = try rows("Currency.csv")
        XCTAssertEqual(currencies.count, CodelistTables.currencies.count)
        for row in currencies { XCTAssertEqual(CodelistTables.currencies[row[0]], row[1], row[0]) }
        let sectors = try rows("Sector.csv")
        XCTAssertEqual(sectors.count, CodelistTables.sectors.count)
        for row in sectors {
            let entry = try XCTUnwrap(CodelistTables.sectors[row[0]], row[0])
            XCTAssertEqual(entry.name, row[1])
            XCTAssertEqual(entry.category, row[2])
            XCTAssertEqual(entry.withdrawn, row[3] == "withdrawn")
        }
        let types = try rows("OrganisationType.csv")
        XCTAssertEqual(types.count, CodelistTables.organisationTypes.count)
        for row in types { XCTAssertEqual(CodelistTables.organisationTypes[row[0]], row[1]) }
    }

    /// Splits one CSV line with RFC 4180 quoting.
    static func csvFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                if field.last == "\"" { field.append(c) }  // "" inside quotes
                quoted = true
            } else if c == "," {
                fields.append(field); field = ""
            } else if c != "\r" {
                field.append(c)
            }
        }
        fields.append(field)
        return fields
    }
}
