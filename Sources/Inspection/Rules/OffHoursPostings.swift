import EventLog
import ODA

/// Postings made at night, at weekends or on public holidays (judged in Asia/Vientiane, UTC+7,
/// which has no daylight saving) escape supervision; a user who posts money then is worth a look.
public struct OffHoursPostings: Rule {
    public let id = "off-hours-postings"
    public let version = 1
    public let name = "Off-hours postings"
    public let rationale = "Entries recorded outside working hours or at weekends in Vientiane escape supervision."
    public let severity = Severity.low
    public let parameters = [RuleParameter("workdayStartHour", 7, "first working hour, Vientiane time"),
                             RuleParameter("workdayEndHour", 18, "hour at which the working day ends, Vientiane time")]

    /// Vientiane is UTC+7 all year.
    static let offsetSeconds: Int64 = 7 * 3600

    public let inputs: RuleInputs = .transactions(RuleInputs.allTransactions, scope: .user)

    public init() {}

    public func evaluate(_ history: ProjectHistory, parameters: [String: Int64]) -> [RuleHit] {
        let start = parameters["workdayStartHour"] ?? 7, end = parameters["workdayEndHour"] ?? 18
        let off = history.transactions.filter { t in
            let local = t.postedLocally
            return !(local.workday && local.hour >= start && local.hour < end)
        }
        let byUser = Dictionary(grouping: off, by: \.actor)
        return byUser.keys.sorted().map { user in
            let entries = byUser[user]!
            return RuleHit(subject: Subject(kind: .user, name: user, project: history.project), evidence: entries.map(\.seq),
                           amount: history.total(entries.map(\.amount), asOf: history.lastSeq),
                           score: min(100, 20 + 10 * entries.count),
                           explanation: "\(user) recorded \(entries.count) transaction(s) outside working hours "
                               + "(\(start):00–\(end):00 Monday to Friday except public holidays, Vientiane time).")
        }
    }

    /// Whether `time` falls Monday–Friday, not on a public holiday (fixed, lunar or a substitute
    /// day, see `LaoPublicHolidays`), within [start, end) hours in Vientiane.
    static func isWorkingTime(_ time: Timestamp, start: Int64, end: Int64) -> Bool {
        let local = localTime(time)
        return local.workday && local.hour >= start && local.hour < end
    }

    /// The hour of `time` in Vientiane and whether its day is a working day (Monday–Friday, not
    /// a public holiday). Worked out once per transaction (`Transaction.postedLocally`), so the
    /// rule re-judging a user's postings on each append only compares hours.
    static func localTime(_ time: Timestamp) -> (workday: Bool, hour: Int64) {
        let local = time.microsecondsSinceEpoch / 1_000_000 + offsetSeconds
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let hour = (local - day * 86_400) / 3600
        let weekday = ((day % 7) + 7 + 3) % 7 // 0 = Monday; 1970-01-01 was a Thursday
        guard weekday < 5 else { return (false, hour) }
        let date = CivilDate.fromDaysSinceEpoch(day)
        return (!LaoPublicHolidays.contains(year: Int(date.year), month: Int(date.month), day: Int(date.day)), hour)
    }
}
