import Foundation

/// Reads an `iati-activities` document (IATI 2.01–2.03) into `IATIActivity` values, collecting
/// every problem (file, line, element, rule) rather than stopping at the first.
public enum IATIReader {
    public static let supportedVersions: Set<String> = ["2.01", "2.02", "2.03"]

    public struct Document: Sendable {
        public let version: String
        public let activities: [IATIActivity]
    }

    public static func read(_ data: Data, file: String) throws(ImportError) -> Document {
        let root = try XMLTreeReader.read(data, file: file)
        var problems: [ImportProblem] = []
        func problem(_ line: Int, _ element: String, _ rule: String) {
            problems.append(ImportProblem(file: file, line: line, element: element, rule: rule))
        }
        guard root.name == "iati-activities" else {
            throw ImportError([ImportProblem(file: file, line: root.line, element: root.name,
                                             rule: "must be the root element iati-activities")])
        }
        let version = root.attributes["version"] ?? ""
        if !supportedVersions.contains(version) {
            problem(root.line, "iati-activities@version", "must be one of 2.01, 2.02, 2.03; it is \"\(version)\"")
        }
        var activities: [IATIActivity] = []
        var seen: [String: Int] = [:]
        for node in root.children("iati-activity") {
            guard let activity = readActivity(node, problem: problem) else { continue }
            if let earlier = seen[activity.projectId] {
                problem(node.line, "iati-activity/iati-identifier",
                        "maps to project id \(activity.projectId), as does the activity on line \(earlier); each activity must be its own project")
                continue
            }
            seen[activity.projectId] = node.line
            activities.append(activity)
        }
        if root.children("iati-activity").isEmpty { problem(root.line, "iati-activities", "holds no iati-activity") }
        guard problems.isEmpty else { throw ImportError(problems) }
        return Document(version: version, activities: activities)
    }

    private static func isDate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return false }
        guard let y = Int(text.prefix(4)), let m = Int(text.dropFirst(5).prefix(2)), let d = Int(text.suffix(2)) else { return false }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains(m) && (1...days[m - 1]).contains(d)
    }

    private static func readActivity(_ node: XMLNode, problem: (Int, String, String) -> Void) -> IATIActivity? {
        let before = ProblemCounter()
        func fail(_ line: Int, _ element: String, _ rule: String) { before.count += 1; problem(line, element, rule) }
        let base = "iati-activity"
        let rawID = node.child("iati-identifier")?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let projectId = ImportIdentifier.map(rawID)
        if rawID.isEmpty { fail(node.line, base + "/iati-identifier", "is required and must not be empty") }
        else if projectId == nil { fail(node.child("iati-identifier")!.line, base + "/iati-identifier", "is longer than 200 characters") }
        let reporting = node.child("reporting-org")
        let reportingOrg = reporting?.attributes["ref"].flatMap(ImportIdentifier.map)
        if reportingOrg == nil { fail(reporting?.line ?? node.line, base + "/reporting-org@ref", "is required: it names the development partner") }
        let title = node.child("title")?.narrative
        if title == nil { fail(node.line, base + "/title", "is required (a narrative)") }
        let defaultCurrency = node.attributes["default-currency"]

        func date(_ type: String) -> (String, Int)? {
            guard let d = node.children("activity-date").first(where: { $0.attributes["type"] == type }),
                  let iso = d.attributes["iso-date"] else { return nil }
            return (iso, d.line)
        }
        var dates: [String] = []
        for (planned, actual, what) in [("1", "2", "start"), ("3", "4", "end")] {
            guard let (iso, line) = date(planned) ?? date(actual) else {
                fail(node.line, base + "/activity-date", "needs a planned (type \(planned)) or actual (type \(actual)) \(what) date")
                continue
            }
            if !isDate(iso) { fail(line, base + "/activity-date@iso-date", "must be a calendar date YYYY-MM-DD; it is \"\(iso)\"") }
            dates.append(iso)
        }
        if dates.count == 2, dates[1] < dates[0] { fail(node.line, base + "/activity-date", "the end \(dates[1]) is before the start \(dates[0])") }

        func money(_ value: XMLNode?, element: String) -> (String, String)? {
            guard let value else { fail(node.line, element, "is required"); return nil }
            guard let amount = DecimalText.normalize(value.text) else {
                fail(value.line, element, "must be a decimal with at most 4 fraction digits; it is \"\(value.text.trimmingCharacters(in: .whitespacesAndNewlines))\"")
                return nil
            }
            guard let currency = value.attributes["currency"] ?? defaultCurrency else {
                fail(value.line, element + "@currency", "is required when the activity has no default-currency")
                return nil
            }
            return (amount, currency)
        }

        var budgets: [IATIActivity.Budget] = []
        for b in node.children("budget") {
            let type = b.attributes["type"] ?? "1"
            guard type == "1" || type == "2" else { fail(b.line, base + "/budget@type", "must be 1 (original) or 2 (revised); it is \(type)"); continue }
            guard let start = b.child("period-start")?.attributes["iso-date"], isDate(start),
                  let end = b.child("period-end")?.attributes["iso-date"], isDate(end) else {
                fail(b.line, base + "/budget/period-start", "period-start and period-end need iso-date calendar dates"); continue
            }
            guard let (amount, currency) = money(b.child("value"), element: base + "/budget/value") else { continue }
            if amount.hasPrefix("-") { fail(b.child("value")!.line, base + "/budget/value", "a budget cannot be negative; it is \(amount)"); continue }
            budgets.append(.init(type: type, periodStart: start, periodEnd: end, amount: amount, currency: currency, line: b.line))
        }
        var transactions: [IATIActivity.Transaction] = []
        for t in node.children("transaction") {
            guard let type = t.child("transaction-type")?.attributes["code"] else {
                fail(t.line, base + "/transaction/transaction-type", "is required"); continue
            }
            guard let d = t.child("transaction-date")?.attributes["iso-date"], isDate(d) else {
                fail(t.line, base + "/transaction/transaction-date", "needs an iso-date calendar date"); continue
            }
            guard let (amount, currency) = money(t.child("value"), element: base + "/transaction/value") else { continue }
            transactions.append(.init(type: type, date: d, amount: amount, currency: currency,
                                      reference: t.attributes["ref"], providerRef: t.child("provider-org")?.attributes["ref"],
                                      receiverName: t.child("receiver-org")?.narrative, receiverRef: t.child("receiver-org")?.attributes["ref"],
                                      line: t.line))
        }
        let sectors = node.children("sector").filter { ($0.attributes["vocabulary"] ?? "1") == "1" }.compactMap { s -> IATIActivity.Sector? in
            guard let code = s.attributes["code"] else { fail(s.line, base + "/sector@code", "is required"); return nil }
            return .init(code: code, percentage: s.attributes["percentage"], line: s.line)
        }
        let locations = node.children("location").compactMap { l -> IATIActivity.Location? in
            guard let name = l.child("name")?.narrative else { return nil }
            return .init(name: name, line: l.line)
        }
        let organisations = ([reporting].compactMap { $0 } + node.children("participating-org")).compactMap { o -> IATIActivity.Organisation? in
            guard let id = o.attributes["ref"].flatMap(ImportIdentifier.map) else { return nil }
            return .init(id: id, type: o.attributes["type"], name: o.narrative, role: o.name == "reporting-org" ? nil : o.attributes["role"], line: o.line)
        }
        let implementing = node.children("participating-org").first { $0.attributes["role"] == "4" }?.attributes["ref"].flatMap(ImportIdentifier.map)
        let parent = node.children("related-activity").first { $0.attributes["type"] == "1" }?.attributes["ref"]
        guard before.count == 0, let projectId, let reportingOrg, let title, dates.count == 2 else { return nil }
        return IATIActivity(
            iatiIdentifier: rawID, projectId: projectId, reportingOrg: reportingOrg, title: title,
            description: node.child("description")?.narrative, implementingOrg: implementing,
            hierarchy: node.attributes["hierarchy"] ?? "1", parentIdentifier: parent,
            activityStatus: node.child("activity-status")?.attributes["code"],
            plannedStart: dates[0], plannedEnd: dates[1], defaultCurrency: defaultCurrency,
            budgets: budgets, transactions: transactions, sectors: sectors, locations: locations,
            organisations: organisations, plannedDisbursementLines: node.children("planned-disbursement").map(\.line),
            line: node.line)
    }

    private final class ProblemCounter { var count = 0 }
}
