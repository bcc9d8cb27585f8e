import CanonicalJSON
import EventLog
import ODA

/// `oda-ledger portfolio`: plan against actual across projects.
enum PortfolioCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "portfolio",
        abstract: "Plan against actual (execution rate) by partner, sector, province or year.",
        options: [
            dataOption,
            .init(name: "by", value: "partner|sector|province|year", help: "How to group (default partner). Sector and province split figures by allocation."),
            .init(name: "year", value: "Y", help: "Only this fiscal year (budget periods starting in it, transactions dated in it)."),
            .init(name: "currency", value: "USD|LAK", help: "Convert everything through recorded exchange rates (shown); default: one row per currency."),
            .init(name: "as-of", value: "SEQ|DATE", help: "Report as of a seq, a date (end of day UTC) or an RFC 3339 instant."),
            .init(name: "effective", value: "DATE", help: "The business view at the end of DATE: events dated on or before it, and undated ones."),
            .init(name: "format", value: "table|json|csv", help: "table (default), json or csv."),
        ],
        discussion: """
            planned = current annual budgets; committed, disbursed, spent = unreversed transactions. Execution rates are
            disbursed / planned and spent / planned, in percent with one decimal; blank when nothing is planned.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let by = try arguments.choice("by", command: spec.name, among: PortfolioDimension.allCases.map(\.rawValue), default: "partner")
        let format = try arguments.choice("format", command: spec.name, among: ["table", "json", "csv"], default: "table")
        let year = try arguments.integer("year", command: spec.name, minimum: 1)
        let currency = try arguments["currency"].map { code throws(MoneyError) in try CurrencyCode(code) }
        let point = try PointInTimeOption.parse(arguments, command: spec.name)
        let store = try context.openStore(arguments, access: .readOnly)
        let portfolio = try store.portfolio(by: PortfolioDimension(rawValue: by) ?? .partner, year: year, currency: currency, asOf: point)
        let console = context.console
        let all = portfolio.rows + portfolio.totals
        switch format {
        case "json":
            func row(_ r: PortfolioRow) -> JSONValue {
                .object([
                    "key": .string(r.key), "currency": .string(r.currency.code), "planned": .string(r.planned.canonicalText),
                    "committed": .string(r.committed.canonicalText), "disbursed": .string(r.disbursed.canonicalText),
                    "spent": .string(r.spent.canonicalText), "disbursementRate": r.disbursementRate.map(JSONValue.string) ?? .null,
                    "spendRate": r.spendRate.map(JSONValue.string) ?? .null,
                ])
            }
            let object: JSONObject = [
                "by": .string(by), "year": year.map(JSONValue.integer) ?? .null, "rows": .array(portfolio.rows.map(row)),
                "totals": .array(portfolio.totals.map(row)),
                "ratesUsed": .array(portfolio.ratesUsed.map { .string($0.description) }),
            ]
            console.print(JSONValue.object(object).canonicalString)
        case "csv":
            console.print("\(by),currency,planned,committed,disbursed,spent,disbursement_rate,spend_rate")
            for r in all {
                console.print([CSV.field(r.key), r.currency.code, r.planned.canonicalText, r.committed.canonicalText,
                               r.disbursed.canonicalText, r.spent.canonicalText, r.disbursementRate ?? "", r.spendRate ?? ""]
                    .joined(separator: ","))
            }
        default:
            let widths = [16, 4, 18, 18, 18, 18, 8, 8]
            func line(_ cells: [String]) -> String {
                zip(cells, widths).enumerated().map { index, pair in
                    let (cell, width) = pair
                    let pad = String(repeating: " ", count: max(0, width - cell.count))
                    return index < 2 ? cell + pad : pad + cell
                }.joined(separator: " ").trimmingTrailingSpaces()
            }
            console.print(line([by, "cur", "planned", "committed", "disbursed", "spent", "disb %", "spent %"]))
            for r in all {
                console.print(line([r.key, r.currency.code, r.planned.text(fractionDigits: 2), r.committed.text(fractionDigits: 2),
                                    r.disbursed.text(fractionDigits: 2), r.spent.text(fractionDigits: 2),
                                    r.disbursementRate ?? "", r.spendRate ?? ""]))
            }
            for rate in portfolio.ratesUsed { console.print("rate used: \(rate.description)") }
        }
        return .success
    }
}

enum CSV {
    /// RFC 4180: quoted when it holds a comma, quote or line break, with quotes doubled.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
