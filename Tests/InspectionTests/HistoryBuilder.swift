import CanonicalJSON
import EventLog
import ODA
@testable import Inspection

/// Builds envelopes of one project by hand, with chosen recording times, so each rule can be
/// shown to fire exactly where expected.
struct HistoryBuilder {
    let project: String
    private(set) var events: [EventEnvelope] = []
    private(set) var rates = RateBook()
    private var seq: Int64 = 0
    /// Tuesday 2024-05-14 10:00 in Vientiane.
    var recordedAt = Timestamp.parse("2024-05-14T03:00:00.000000Z")!
    var actor = "user:somsack"

    init(project: String = "P1", start: String = "2024-01-01", end: String = "2027-12-31") {
        self.project = project
        add("ProjectProposed", ["projectId": .string(project), "plannedStartDate": .string(start), "plannedEndDate": .string(end)])
    }

    /// Appends an event and returns its seq.
    @discardableResult
    mutating func add(_ type: String, _ payload: JSONObject, stream: String? = nil) -> Int64 {
        seq += 1
        let envelope = EventEnvelope(
            seq: seq, stream: stream ?? "project:\(project)", streamVersion: seq, type: type, schemaVersion: 1,
            payload: payload, actor: try! Actor(id: actor), recordedAt: recordedAt, occurredAt: nil,
            correlationId: nil, causationId: nil, idempotencyKey: nil, prev: .zero)
        if envelope.stream.hasPrefix("project:") { events.append(envelope) } else { rates.record(envelope) }
        return seq
    }

    @discardableResult
    mutating func transaction(_ type: String, _ amount: String, _ currency: String = "USD", date: String = "2024-05-14",
                              payee: String = "Savan Drilling") -> Int64 {
        add(type, ["transactionId": .string("T\(seq + 1)"), "date": .string(date),
                   "amount": ["amount": .string(amount), "currency": .string(currency)], "payee": .string(payee)])
    }

    @discardableResult
    mutating func budget(_ line: String, _ amount: String, revised previous: String? = nil, period: String = "2024-01-01") -> Int64 {
        if let previous {
            return add("AnnualBudgetRevised", ["budgetLineId": .string(line), "periodStart": .string(period),
                                               "newAmount": ["amount": .string(amount), "currency": "USD"],
                                               "previousAmount": ["amount": .string(previous), "currency": "USD"]])
        }
        return add("AnnualBudgetPlanned", ["budgetLineId": .string(line), "periodStart": .string(period),
                                           "periodEnd": .string(String(period.prefix(4)) + "-12-31"),
                                           "amount": ["amount": .string(amount), "currency": "USD"]])
    }

    @discardableResult
    mutating func counterpart(_ kind: String, year: Int64, _ amount: String) -> Int64 {
        add("CounterpartContributionRecorded", ["transactionId": "CP", "kind": .string(kind), "fiscalYear": .integer(year),
                                                "amount": ["amount": .string(amount), "currency": "LAK"]])
    }

    @discardableResult
    mutating func expense(_ amount: String, date: String, payee: String, invoice: String) -> Int64 {
        add("ExpenditureRecorded", ["transactionId": "T", "date": .string(date), "payee": .string(payee),
                                    "invoiceNumber": .string(invoice), "amount": ["amount": .string(amount), "currency": "USD"]])
    }

    @discardableResult
    mutating func rate(_ currency: String, _ rate: String) -> Int64 {
        add("ExchangeRateRecorded", ["baseCurrency": "USD", "quoteCurrency": .string(currency), "rate": .string(rate)],
            stream: "fx:\(currency)")
    }

    var history: ProjectHistory { ProjectHistory(project: project, events: events, rates: rates) }

    func hits(_ rule: any Rule) -> [RuleHit] { rule.evaluate(history, parameters: rule.defaultParameters) }
}
