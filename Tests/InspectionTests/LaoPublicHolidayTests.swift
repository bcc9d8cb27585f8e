import XCTest
@testable import Inspection

final class LaoPublicHolidayTests: XCTestCase {
    private func holiday(_ text: String) -> String? {
        let parts = text.split(separator: "-").map { Int($0)! }
        return LaoPublicHolidays.name(year: parts[0], month: parts[1], day: parts[2])
    }

    private func isOff(_ text: String) -> Bool {
        let parts = text.split(separator: "-").map { Int($0)! }
        return LaoPublicHolidays.contains(year: parts[0], month: parts[1], day: parts[2])
    }

    func testFixedHolidays() {
        XCTAssertEqual(holiday("2024-12-02"), "National Day")
        XCTAssertEqual(holiday("2025-04-15"), "Lao New Year")
        XCTAssertEqual(holiday("2019-03-08"), "International Women's Day")
        XCTAssertNil(holiday("2024-05-14"), "an ordinary Tuesday")
    }

    func testAWeekendHolidayGivesTheNextWorkingDay() {
        // 1 January 2023 was a Sunday.
        XCTAssertEqual(holiday("2023-01-02"), "substitute for International New Year")
        // Pi Mai 2024: Sunday 14 to Tuesday 16 April; Monday and Tuesday are holidays already.
        XCTAssertEqual(holiday("2024-04-17"), "substitute for Lao New Year")
        XCTAssertNil(holiday("2024-04-18"))
        // Pi Mai 2018: Saturday 14, Sunday 15, Monday 16 April: two substitutes, Tuesday and Wednesday.
        XCTAssertEqual(holiday("2018-04-17"), "substitute for Lao New Year")
        XCTAssertEqual(holiday("2018-04-18"), "substitute for Lao New Year")
        XCTAssertNil(holiday("2018-04-19"))
        // Labour Day 2021 was a Saturday: Monday 3 May.
        XCTAssertEqual(holiday("2021-05-03"), "substitute for Labour Day")
        // National Day 2023 was a Saturday: Monday 4 December.
        XCTAssertEqual(holiday("2023-12-04"), "substitute for National Day")
        // A holiday on a weekday gives no substitute: 2 December 2024 was a Monday.
        XCTAssertNil(holiday("2024-12-03"))
    }

    func testLunarFestivals() {
        XCTAssertEqual(holiday("2024-10-17"), "Boun Ok Phansa")
        XCTAssertEqual(holiday("2023-11-27"), "Boun That Luang")
        XCTAssertEqual(holiday("2020-10-02"), "Boun Ok Phansa")
        XCTAssertNil(holiday("2024-10-18"))
        XCTAssertEqual(Set(LaoPublicHolidays.lunar.keys), Set(LaoPublicHolidays.lunarYears))
        XCTAssertFalse(LaoPublicHolidays.lunarIsEstimate(2025))
        XCTAssertTrue(LaoPublicHolidays.lunarIsEstimate(2027))
        for (year, dates) in LaoPublicHolidays.lunar {
            // That Luang is one lunar month (29 or 30 days) after Ok Phansa.
            let gap = LaoPublicHolidays.daysSinceEpoch(year, dates.thatLuang[0], dates.thatLuang[1])
                - LaoPublicHolidays.daysSinceEpoch(year, dates.okPhansa[0], dates.okPhansa[1])
            XCTAssertTrue((29...30).contains(gap), "\(year): \(gap) days")
        }
    }

    func testTheCachedTableAgreesWithTheRule() {
        for year in [2015, 2018, 2024, 2030, 2101] {
            var day = LaoPublicHolidays.daysSinceEpoch(year, 1, 1)
            while LaoPublicHolidays.civil(day).year == year {
                let d = LaoPublicHolidays.civil(day)
                XCTAssertEqual(LaoPublicHolidays.contains(year: d.year, month: d.month, day: d.day),
                               LaoPublicHolidays.name(year: d.year, month: d.month, day: d.day) != nil, "\(d)")
                day += 1
            }
        }
        XCTAssertTrue(isOff("2030-10-11"))
        XCTAssertEqual(LaoPublicHolidays.weekday(LaoPublicHolidays.daysSinceEpoch(2024, 5, 14)), 1, "a Tuesday")
    }
}

