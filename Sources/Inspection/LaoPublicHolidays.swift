/// The fixed-date public holidays of Lao PDR, judged on the Vientiane calendar date:
/// International New Year (1 January), International Women's Day (8 March), Lao New Year
/// (Pi Mai, 14–16 April), Labour Day (1 May) and National Day (2 December).
///
/// Not included: the days the government announces each year in substitution for holidays on a
/// weekend, and the lunar festivals (Boun That Luang, Boun Ok Phansa) whose dates move; postings
/// on those days are not treated as off-hours.
public enum LaoPublicHolidays {
    /// (month, day) pairs.
    public static let fixed: Set<[Int]> = [[1, 1], [3, 8], [4, 14], [4, 15], [4, 16], [5, 1], [12, 2]]

    public static func contains(month: Int, day: Int) -> Bool { fixed.contains([month, day]) }
}
