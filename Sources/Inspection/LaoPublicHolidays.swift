import EventLog

/// The public holidays of Lao PDR, judged on the Vientiane calendar date, for the off-hours rule.
///
/// **Fixed dates** (every year): International New Year (1 January), International Women's Day
/// (8 March), Lao New Year (Pi Mai, 14–16 April), Labour Day (1 May) and National Day
/// (2 December) — the days off for all government staff under the Labour Law (No. 43/NA, 2013)
/// and the Prime Minister's holiday decree.
///
/// **Substitute days** are modelled by the documented rule the Prime Minister's Office applies in
/// its annual notice: a fixed holiday that falls on a Saturday or Sunday gives a day off on the
/// next working day (Monday to Friday, not itself a holiday or an earlier substitute), taken in
/// date order, so Pi Mai on Saturday to Monday gives Tuesday and Wednesday. The notices sometimes
/// go further (Pi Mai has been extended by ministries); such extra days are not modelled.
///
/// **Lunar festivals** (2015–2030 only; other years have none): Boun Ok Phansa, the full-moon day
/// ending Buddhist Lent (15th waxing day of the 11th lunar month), a holiday nationwide; and Boun
/// That Luang, the full-moon day of the 12th lunar month, a holiday in Vientiane Capital, where
/// the ministries posting to the ledger sit. The dates follow the Lao–Thai lunisolar calendar
/// (which agreed in these years) as published in calendars for 2015–2025, compiled by hand and
/// not checked against each year's official notice; 2026–2030 are estimates from the
/// astronomical full moon in Vientiane time (the civil lunar calendar can differ by a day).
/// `lunarIsEstimate` says which.
///
/// Not included: days off for one group only (Army Day 20 January, Children's Day 1 June,
/// Teachers' Day 7 October) and the Boun Souang Heua boat-race day after Ok Phansa in Vientiane.
public enum LaoPublicHolidays {
    /// Fixed-date holidays as (month, day) pairs.
    public static let fixed: Set<[Int]> = [[1, 1], [3, 8], [4, 14], [4, 15], [4, 16], [5, 1], [12, 2]]

    /// The years the lunar table covers.
    public static let lunarYears = 2015...2030

    /// Year → ((month, day) of Boun Ok Phansa, (month, day) of Boun That Luang).
    public static let lunar: [Int: (okPhansa: [Int], thatLuang: [Int])] = [
        2015: ([10, 27], [11, 25]), 2016: ([10, 16], [11, 14]), 2017: ([10, 5], [11, 3]), 2018: ([10, 24], [11, 22]),
        2019: ([10, 13], [11, 11]), 2020: ([10, 2], [10, 31]), 2021: ([10, 21], [11, 19]), 2022: ([10, 10], [11, 8]),
        2023: ([10, 29], [11, 27]), 2024: ([10, 17], [11, 15]), 2025: ([10, 7], [11, 5]), 2026: ([10, 26], [11, 24]),
        2027: ([10, 15], [11, 14]), 2028: ([10, 3], [11, 2]), 2029: ([10, 22], [11, 21]), 2030: ([10, 11], [11, 10]),
    ]

    /// Whether the lunar dates of `year` are estimates rather than published dates.
    public static func lunarIsEstimate(_ year: Int) -> Bool { year >= 2026 }

    /// Whether (month, day) is a fixed-date holiday, in any year.
    public static func contains(month: Int, day: Int) -> Bool { fixed.contains([month, day]) }

    /// Whether the date is a day off: a fixed holiday, its substitute, or a lunar festival.
    /// Years 1990–2100 are answered from a table built once (the off-hours rule asks per posting).
    public static func contains(year: Int, month: Int, day: Int) -> Bool {
        guard tableYears.contains(year) else { return name(year: year, month: month, day: day) != nil }
        return table.contains(daysSinceEpoch(year, month, day))
    }

    static let tableYears = 1990...2100

    /// Days since 1970-01-01 of every holiday in `tableYears`.
    private static let table: Set<Int> = {
        var days: Set<Int> = []
        for year in tableYears {
            for holiday in fixed { days.insert(daysSinceEpoch(year, holiday[0], holiday[1])) }
            if let lunar = lunar[year] {
                days.insert(daysSinceEpoch(year, lunar.okPhansa[0], lunar.okPhansa[1]))
                days.insert(daysSinceEpoch(year, lunar.thatLuang[0], lunar.thatLuang[1]))
            }
            for date in substitutes(year: year).keys { days.insert(daysSinceEpoch(year, date[0], date[1])) }
        }
        return days
    }()

    /// What the holiday on that date is, or nil for an ordinary day (weekends are not holidays here).
    public static func name(year: Int, month: Int, day: Int) -> String? {
        if contains(month: month, day: day) { return fixedName(month: month, day: day) }
        if let lunar = lunar[year] {
            if lunar.okPhansa == [month, day] { return "Boun Ok Phansa" }
            if lunar.thatLuang == [month, day] { return "Boun That Luang" }
        }
        return substitutes(year: year)[[month, day]].map { "substitute for \($0)" }
    }

    /// The substitute days of `year`: (month, day) → the holiday it replaces.
    public static func substitutes(year: Int) -> [[Int]: String] {
        var taken: Set<Int> = []
        var out: [[Int]: String] = [:]
        let holidays = fixed.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
        let lunarDays = lunar[year].map { [daysSinceEpoch(year, $0.okPhansa[0], $0.okPhansa[1]),
                                           daysSinceEpoch(year, $0.thatLuang[0], $0.thatLuang[1])] } ?? []
        let fixedDays = Set(holidays.map { daysSinceEpoch(year, $0[0], $0[1]) })
        for holiday in holidays {
            let day = daysSinceEpoch(year, holiday[0], holiday[1])
            guard weekday(day) >= 5 else { continue }
            var candidate = day + 1
            while weekday(candidate) >= 5 || fixedDays.contains(candidate) || lunarDays.contains(candidate) || taken.contains(candidate) {
                candidate += 1
            }
            taken.insert(candidate)
            let date = civil(candidate)
            out[[date.month, date.day]] = fixedName(month: holiday[0], day: holiday[1])
        }
        return out
    }

    private static func fixedName(month: Int, day: Int) -> String {
        switch (month, day) {
        case (1, 1): "International New Year"
        case (3, 8): "International Women's Day"
        case (4, _): "Lao New Year"
        case (5, 1): "Labour Day"
        default: "National Day"
        }
    }

    /// 0 = Monday … 6 = Sunday; 1970-01-01 was a Thursday.
    static func weekday(_ days: Int) -> Int { ((days % 7) + 7 + 3) % 7 }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysSinceEpoch(_ year: Int, _ month: Int, _ day: Int) -> Int {
        Int(CivilDate.daysSinceEpoch(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let date = CivilDate.fromDaysSinceEpoch(Int64(days))
        return (Int(date.year), Int(date.month), Int(date.day))
    }
}
