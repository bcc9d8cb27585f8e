import XCTest
@testable import Import

/// The small rules the importers share: decimals, identifiers, provinces, shares, CSV records.
final class MappingRuleTests: XCTestCase {
    func testDecimalsAreNormalisedNeverRounded() {
        XCTAssertEqual(DecimalText.normalize("4669"), "4669")
        XCTAssertEqual(DecimalText.normalize(" -5 "), "-5")
        XCTAssertEqual(DecimalText.normalize("+007.50"), "7.5")
        XCTAssertEqual(DecimalText.normalize("10000000.0"), "10000000")
        XCTAssertEqual(DecimalText.normalize("-0.000"), "0")
        XCTAssertEqual(DecimalText.normalize(".5"), "0.5")
        for bad in ["", "-", ".", "1,000", "1e6", "1.23456", "13581046.409999998", "1.2.3", "NaN"] {
            XCTAssertNil(DecimalText.normalize(bad), bad)
        }
    }

    func testIdentifiersKeepIATIIdentifiersAndMapTheRest() {
        XCTAssertEqual(ImportIdentifier.map("XM-DAC-41114-PROJECT-00032152"), "XM-DAC-41114-PROJECT-00032152")
        XCTAssertEqual(ImportIdentifier.map("GB-1 project#2"), "GB-1_project_2")
        XCTAssertEqual(ImportIdentifier.map("-lead"), "x-lead")
        XCTAssertNil(ImportIdentifier.map("   "))
        XCTAssertNil(ImportIdentifier.map(String(repeating: "a", count: 201)))
    }

    func testProvinceNamesAsPublished() {
        XCTAssertEqual(ProvinceMatcher.province(named: "Xiangkhouang")?.code, "LA-XI")
        XCTAssertEqual(ProvinceMatcher.province(named: "Luang Prabang Province")?.code, "LA-LP")
        XCTAssertEqual(ProvinceMatcher.province(named: "Khouèng Savannakhét")?.code, "LA-SV")
        XCTAssertEqual(ProvinceMatcher.province(named: "Attapu")?.code, "LA-AT")
        XCTAssertEqual(ProvinceMatcher.province(named: "Vientiane Province")?.code, "LA-VI")
        XCTAssertNil(ProvinceMatcher.province(named: "Vientiane"))
        XCTAssertNil(ProvinceMatcher.province(named: "Ban Nakasang"))
    }

    func testEqualSharesSumToExactlyOneHundred() {
        XCTAssertEqual(IATIEventMapper.equalShares(1), ["100"])
        XCTAssertEqual(IATIEventMapper.equalShares(2), ["50", "50"])
        XCTAssertEqual(IATIEventMapper.equalShares(3), ["33.3334", "33.3333", "33.3333"])
    }

    func testCSVRecordsKeepTheirStartingLine() throws {
        let records = try CSVReader.read("\u{FEFF}a,b\r\n\"x\ny\",\"q\"\"\"\n\n3,4", file: "f.csv")
        XCTAssertEqual(records, [.init(line: 1, fields: ["a", "b"]), .init(line: 2, fields: ["x\ny", "q\""]),
                                 .init(line: 5, fields: ["3", "4"])])
        XCTAssertThrowsError(try CSVReader.read("a\n\"open\n", file: "f.csv")) { error in
            XCTAssertEqual((error as? ImportError)?.problems.first?.line, 2)
        }
        XCTAssertThrowsError(try CSVReader.read("a,b\nx\"y,1\n", file: "f.csv")) { error in
            XCTAssertEqual((error as? ImportError)?.problems.first?.line, 2)
        }
    }
}
