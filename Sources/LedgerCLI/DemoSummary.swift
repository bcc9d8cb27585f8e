import EventLog
import Foundation
import Inspection
import ODA

/// The demo's printed summary: the portfolio by partner and by province in USD (plan against
/// actual, through recorded exchange rates), the flags per rule, and the top flags with their
/// explanations (high severity first, then score, then amount).
struct DemoSummary {
    let store: EventStore
    let flags: [Flag]
    let shown: Int
    let console: Console

    func print() throws {
        let names = try organisationNames()
        try portfolio(.partner, title: "Portfolio by development partner (USD; planned = current annual budgets)") { key in
            names[key].map { "\($0) (\(key))" } ?? key
        }
        try portfolio(.province, title: "Portfolio by province (USD; split by each project's location allocation)") { key in
            Province(rawValue: key).map { "\($0.name) (\(key))" } ?? key
        }
        console.print("  (The real ADB and UNDP records carry commitments and disbursements but few annual budgets, so their")
        console.print("  disbursement rates exceed 100 %; the synthetic projects are planned year by year.)")
        flagsSection()
    }

    private func organisationNames() throws -> [String: String] {
        var names: [String: String] = [:]
        for event in try store.events(EventQuery(type: "OrganisationRegistered")) {
            if let id = event.envelope.payload["organisationId"]?.stringValue, let name = event.envelope.payload["name"]?.stringValue {
                names[id] = name
            }
        }
        return names
    }

    private func portfolio(_ dimension: PortfolioDimension, title: String, label: (String) -> String) throws {
        console.print("")
        console.print("== \(title)")
        let result: Portfolio
        do {
            result = try store.portfolio(by: dimension, currency: .usd)
        } catch let error as PortfolioError {
            console.print("  (not converted to USD: \(error); see `oda-ledger portfolio --by \(dimension.rawValue)`)")
            return
        }
        let rows = result.rows.sorted { ($0.planned.tenThousandths, $0.key) > ($1.planned.tenThousandths, $1.key) }
        let width = min(60, max(24, rows.map { label($0.key).count }.max() ?? 24))
        console.print("  " + pad("", width) + leftPad("planned", 15) + leftPad("disbursed", 15) + leftPad("spent", 15)
            + leftPad("disb %", 8) + leftPad("spent %", 8))
        for row in rows + result.totals {
            let name = result.totals.contains(row) ? "total" : label(row.key)
            console.print("  " + pad(String(name.prefix(width)), width) + leftPad(whole(row.planned), 15) + leftPad(whole(row.disbursed), 15)
                + leftPad(whole(row.spent), 15) + leftPad(row.disbursementRate ?? "-", 8) + leftPad(row.spendRate ?? "-", 8))
        }
    }

    private func flagsSection() {
        console.print("")
        console.print("== Red flags: \(flags.count) leads for the Department of Inspection (not findings)")
        let byRule = Dictionary(grouping: flags, by: \.ruleId)
        let counts = byRule.keys.sorted().map { "\($0) \(byRule[$0]!.count)" }
        var line = " "
        for item in counts {
            if line.count + item.count > 110 { console.print(line); line = " " }
            line += " " + item + ";"
        }
        if line.count > 1 { console.print(line) }
        let top = flags.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            if a.score != b.score { return a.score > b.score }
            return (a.amountIsUSD ? a.amount?.tenThousandths ?? 0 : 0, a.id) > (b.amountIsUSD ? b.amount?.tenThousandths ?? 0 : 0, b.id)
        }.prefix(shown)
        console.print("")
        console.print("  Top \(top.count) (severity, score, amount):")
        for flag in top {
            let amount = flag.amount.map { flag.amountIsUSD ? "USD \(whole($0))" : "\($0) (no USD rate)" } ?? "-"
            let subject = flag.subject.kind == .project ? flag.subject.project : "\(flag.subject.kind.rawValue) \(flag.subject.name) in \(flag.subject.project)"
            console.print("  [\(flag.severity.rawValue) \(flag.score)] \(flag.ruleId): \(subject); \(amount); evidence seqs "
                + flag.evidence.prefix(6).map(String.init).joined(separator: ",") + (flag.evidence.count > 6 ? ",…" : ""))
            console.print("      \(flag.explanation)  (flag \(flag.id.prefix(12)))")
        }
    }

    private func whole(_ amount: Amount) -> String {
        let text = amount.text(fractionDigits: 0)
        let negative = text.hasPrefix("-")
        let digits = Array(negative ? String(text.dropFirst()) : text)
        var grouped = ""
        for (i, digit) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (negative ? "-" : "") + grouped
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
