import CanonicalJSON
import EventLog
import ODA

/// Maps IATI activities to catalogue events, skipping what an earlier import already recorded.
///
/// Decisions (documented in Schemas/import.md):
/// - Organisations named with `@ref` and `@type` that the ledger does not know are registered.
/// - Each activity is its own project stream `project:{iati-identifier}`; an output (hierarchy 2)
///   is never folded into its parent, so no money is counted twice.
/// - A newer file's planned dates become `ProjectDatesRevised`; its other changes to the proposal
///   (title, description, estimated cost, organisations) are reported as skipped: no event revises them.
/// - Only `ProjectProposed` is recorded: publication in IATI is not the Government's approval under
///   the 2019 ODA decree, so the importer does not invent a `ProjectApproved`.
/// - Budgets: per period, the original (type 1) becomes `AnnualBudgetPlanned` and a revised
///   (type 2) one `AnnualBudgetRevised` of it; a period published only as revised is planned at that
///   value (description says so). A newer file with another value revises the period.
/// - Transactions: 2 and 11 (incoming commitment) → `CommitmentRecorded`; 3 and 1 (incoming funds)
///   → `DisbursementRecorded`; 4 → `ExpenditureRecorded` (negative allowed). Other types are
///   skipped and reported, as are planned disbursements. A transaction's id is derived from its content; a transaction that an
///   earlier import recorded and the file no longer holds is reversed (`TransactionReversed`), so a
///   changed transaction is a reversal plus a new record.
struct IATIEventMapper {
    let file: String
    let fileName: String
    let sha256: String
    let version: String
    let store: EventStore

    struct Output {
        var events: [ImportedEvent] = []
        var skipped: [ImportProblem] = []
        var alreadyRecorded = 0
    }

    func map(_ activities: [IATIActivity]) throws -> Output {
        var out = Output()
        var problems: [ImportProblem] = []
        func problem(_ line: Int, _ element: String, _ rule: String) {
            problems.append(ImportProblem(file: file, line: line, element: element, rule: rule))
        }
        func add(_ stream: String, _ type: String, _ payload: JSONObject, key: String, state: RecordedStreamState,
                 line: Int, element: String) throws {
            if state.keys.contains(key) { out.alreadyRecorded += 1; return }
            let event = try ProposedEvent(stream: stream, type: type, payload: payload, idempotencyKey: key,
                                          correlationId: "import:" + sha256)
            out.events.append(ImportedEvent(event: event, line: line, element: element))
        }

        // Organisations the ledger does not know yet, before anything is recorded on their streams:
        // the first mention in the file gives the name (reporting-org before participating-org).
        // One without a published type (OrganisationType is required) or whose stream already
        // exists is left as it is.
        var registered: Set<String> = []
        for org in activities.flatMap(\.organisations) where !registered.contains(org.id) {
            registered.insert(org.id)
            guard let type = org.type, type.count == 2, type.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
            let stream = "org:" + org.id
            let state = try RecordedStreamState(stream: stream, store: store)
            let key = "iati:org:" + org.id
            if state.keys.contains(key) { out.alreadyRecorded += 1; continue }
            guard !state.exists else { continue }
            var p = JSONObject()
            p["organisationId"] = .string(org.id)
            p["name"] = .string(String((org.name ?? org.id).prefix(2000)))
            p["organisationType"] = .string(type)
            p["iatiIdentifier"] = .string(org.id)
            try add(stream, "OrganisationRegistered", p, key: key, state: state, line: org.line, element: "participating-org")
        }

        // Provenance, on the publisher's organisation stream.
        let publishers = Set(activities.map(\.reportingOrg)).sorted()
        for org in publishers {
            let stream = "org:" + org
            let state = try RecordedStreamState(stream: stream, store: store)
            var p = JSONObject()
            p["organisationId"] = .string(org)
            p["fileName"] = .string(fileName)
            p["fileSha256"] = .string(sha256)
            p["iatiVersion"] = .string(version)
            p["source"] = .string("IATI activity file \(fileName), imported by oda-ledger import iati")
            p["activityCount"] = .integer(Int64(activities.filter { $0.reportingOrg == org }.count))
            try add(stream, "DPDataImported", p, key: "iati:file:" + sha256, state: state, line: 1, element: "iati-activities")
        }

        for a in activities {
            let stream = "project:" + a.projectId
            let state = try RecordedStreamState(stream: stream, store: store)
            func key(_ element: String) -> String { ImportKey.make("iati", a.projectId, element) }
            let el = "iati-activity[\(a.iatiIdentifier)]"

            // The currency of estimates: the default currency, else the first budget's.
            let currency = a.defaultCurrency ?? a.budgets.first?.currency ?? a.transactions.first?.currency
            // Latest value per period: revised over original.
            var periods: [String: (original: IATIActivity.Budget?, revised: IATIActivity.Budget?)] = [:]
            for b in a.budgets {
                var entry = periods[b.periodStart] ?? (nil, nil)
                if b.type == "1" {
                    if entry.original != nil { problem(b.line, el + "/budget", "a second original budget for the period starting \(b.periodStart)") }
                    entry.original = b
                } else {
                    if entry.revised != nil { problem(b.line, el + "/budget", "a second revised budget for the period starting \(b.periodStart)") }
                    entry.revised = b
                }
                periods[b.periodStart] = entry
            }
            var estimate: Amount?
            if let currency, let code = try? CurrencyCode(currency) {
                var sum = Amount.zero(code)
                for (_, e) in periods {
                    guard let latest = e.revised ?? e.original else { continue }
                    guard latest.currency == currency else { problem(latest.line, el + "/budget/value@currency", "budgets of one activity must share a currency (\(currency)); this one is \(latest.currency)"); continue }
                    if let amount = try? Amount(latest.amount, code), let s = try? sum.adding(amount) { sum = s }
                }
                estimate = sum
            } else {
                problem(a.line, el + "@default-currency", "is missing or not an ISO 4217 code, and no budget or transaction names a currency")
            }

            var proposed = JSONObject()
            proposed["projectId"] = .string(a.projectId)
            proposed["title"] = .string(String(a.title.prefix(2000)))
            if let d = a.description { proposed["description"] = .string(String(d.prefix(2000))) }
            proposed["developmentPartner"] = .string(a.reportingOrg)
            proposed["implementingAgency"] = .string(a.implementingOrg ?? a.reportingOrg)
            proposed["plannedStartDate"] = .string(a.plannedStart)
            proposed["plannedEndDate"] = .string(a.plannedEnd)
            if let estimate { proposed["estimatedCost"] = estimate.jsonValue }
            proposed["sectorWorkingGroup"] = .string(SectorWorkingGroupMapping.group(forDAC: a.sectors.first?.code))
            try add(stream, "ProjectProposed", proposed, key: key("proposed"), state: state, line: a.line, element: el)
            let revision = reviseProposal(proposed, state: state, key: key, line: a.line, element: el)
            out.events += revision.events
            out.skipped += revision.unrecorded

            // Sectors (DAC 5-digit, vocabulary 1).
            if !a.sectors.isEmpty {
                var allocations: [JSONValue] = []
                let percentages = a.sectors.count == 1 && a.sectors[0].percentage == nil
                    ? ["100"] : a.sectors.map { $0.percentage.flatMap(DecimalText.normalize) ?? "" }
                for (s, pct) in zip(a.sectors, percentages) {
                    if pct.isEmpty { problem(s.line, el + "/sector@percentage", "is required when an activity has more than one DAC sector"); continue }
                    var item = JSONObject()
                    item["sector"] = .string(s.code)
                    item["percentage"] = .string(pct)
                    allocations.append(.object(item))
                }
                var p = JSONObject()
                p["allocations"] = .array(allocations)
                p["reason"] = .string("DAC sectors published in IATI file \(fileName)")
                let content = a.sectors.map { "\($0.code)=\($0.percentage ?? "")" }.joined(separator: ",")
                try add(stream, "SectorAllocationRevised", p, key: key("sectors:" + content), state: state,
                        line: a.sectors[0].line, element: el + "/sector")
            }

            // Provinces named by the activity's locations: equal shares, as IATI locations carry none.
            var provinces: [Province] = []
            for l in a.locations { if let p = ProvinceMatcher.province(named: l.name), !provinces.contains(p) { provinces.append(p) } }
            if !provinces.isEmpty {
                let shares = Self.equalShares(provinces.count)
                var p = JSONObject()
                p["allocations"] = .array(zip(provinces, shares).map { province, share in
                    var item = JSONObject()
                    item["province"] = .string(province.code)
                    item["percentage"] = .string(share)
                    return .object(item)
                })
                p["reason"] = .string("provinces named by the locations in IATI file \(fileName); IATI gives no shares, so they are equal")
                try add(stream, "LocationAllocationRevised", p, key: key("locations:" + provinces.map(\.code).joined(separator: ",")),
                        state: state, line: a.locations[0].line, element: el + "/location")
            }

            // Budgets, period by period in date order.
            for start in periods.keys.sorted() {
                let (original, revised) = periods[start]!
                let first = original ?? revised!
                let money = Self.money(first.amount, first.currency)
                let recordedKey = RecordedStreamState.budgetKey("iati-budget", start)
                if let current = state.budgets[recordedKey] {
                    let latest = revised ?? original!
                    let latestMoney = Self.money(latest.amount, latest.currency)
                    if current != latestMoney {
                        var p = JSONObject()
                        p["budgetLineId"] = .string("iati-budget")
                        p["periodStart"] = .string(start)
                        p["newAmount"] = latestMoney
                        p["previousAmount"] = current
                        p["decisionReference"] = .string("IATI \(a.iatiIdentifier) budget \(start) in \(fileName)")
                        p["reason"] = .string("a newer IATI file publishes another value for this period")
                        try add(stream, "AnnualBudgetRevised", p, key: key("budget:\(start):\(latest.amount):\(latest.currency)"),
                                state: state, line: latest.line, element: el + "/budget")
                    } else {
                        out.alreadyRecorded += 1
                    }
                    continue
                }
                var p = JSONObject()
                p["budgetLineId"] = .string("iati-budget")
                p["periodStart"] = .string(start)
                p["periodEnd"] = .string(first.periodEnd)
                p["amount"] = money
                p["description"] = .string(original == nil
                    ? "IATI budget, published only as revised (type 2)" : "IATI original budget (type 1)")
                try add(stream, "AnnualBudgetPlanned", p, key: key("budget:\(start)"), state: state, line: first.line, element: el + "/budget")
                if let original, let revised, revised.amount != original.amount || revised.currency != original.currency {
                    var r = JSONObject()
                    r["budgetLineId"] = .string("iati-budget")
                    r["periodStart"] = .string(start)
                    r["newAmount"] = Self.money(revised.amount, revised.currency)
                    r["previousAmount"] = money
                    r["decisionReference"] = .string("IATI \(a.iatiIdentifier) revised budget \(start)")
                    try add(stream, "AnnualBudgetRevised", r, key: key("budget:\(start):\(revised.amount):\(revised.currency)"),
                            state: state, line: revised.line, element: el + "/budget")
                }
            }

            for line in a.plannedDisbursementLines {
                out.skipped.append(ImportProblem(file: file, line: line, element: el + "/planned-disbursement",
                                                 rule: "has no ODA event (the ledger plans budgets per period) and was not imported"))
            }

            // Transactions.
            var seen: [String: Int] = [:]
            var fileIDs: Set<String> = []
            for t in a.transactions {
                let type: String
                switch t.type {
                case "2", "11": type = "CommitmentRecorded"
                case "1", "3": type = "DisbursementRecorded"
                case "4": type = "ExpenditureRecorded"
                default:
                    out.skipped.append(ImportProblem(file: file, line: t.line, element: el + "/transaction",
                                                     rule: "transaction type \(t.type) has no ODA event and was not imported"))
                    continue
                }
                let provider = t.providerRef.flatMap(ImportIdentifier.map) ?? a.reportingOrg
                let content = [t.type, t.date, t.amount, t.currency, provider, t.receiverRef ?? "", t.reference ?? ""].joined(separator: "|")
                let base = "iati-" + ImportKey.hex(a.projectId + "|" + content, digits: 24)
                let n = (seen[base] ?? 0) + 1
                seen[base] = n
                let transactionId = n == 1 ? base : "\(base)-\(n)"
                fileIDs.insert(transactionId)
                if type == "DisbursementRecorded", t.amount.hasPrefix("-") {
                    problem(t.line, el + "/transaction/value", "a disbursement (type \(t.type)) cannot be negative in the ledger; it is \(t.amount)")
                    continue
                }
                var p = JSONObject()
                p["transactionId"] = .string(transactionId)
                p["date"] = .string(t.date)
                p["amount"] = Self.money(t.amount, t.currency)
                let reference = "IATI \(a.iatiIdentifier) transaction type \(t.type)" + (t.reference.map { " ref \($0)" } ?? "")
                if type == "ExpenditureRecorded" {
                    p["payee"] = .string(t.receiverName ?? "not published in IATI")
                    p["invoiceNumber"] = .string(String((t.reference ?? reference).prefix(200)))
                    p["approvedBy"] = .string(a.reportingOrg)
                    p["description"] = .string("expenditure published by \(a.reportingOrg) in IATI file \(fileName)")
                } else {
                    p["provider"] = .string(provider)
                    if type == "DisbursementRecorded", let receiver = t.receiverRef.flatMap(ImportIdentifier.map) { p["receiver"] = .string(receiver) }
                    p["reference"] = .string(String(reference.prefix(200)))
                }
                try add(stream, type, p, key: key("tx:" + transactionId), state: state, line: t.line, element: el + "/transaction")
            }
            // Transactions an earlier import recorded that this file no longer holds: reversed.
            for (id, seq) in state.transactions.sorted(by: { $0.value < $1.value }) where !fileIDs.contains(id) {
                var p = JSONObject()
                p["reversedSeq"] = .integer(seq)
                p["reason"] = .string("transaction \(id) is not in the newer IATI file \(fileName) (changed or withdrawn)")
                try add(stream, "TransactionReversed", p, key: key("reverse:\(seq)"), state: state, line: a.line, element: el)
            }
        }
        guard problems.isEmpty else { throw ImportError(problems) }
        return out
    }

    /// A newer file's view of an activity already proposed: new planned dates become a
    /// `ProjectDatesRevised` (keyed by this file's hash, so the same file again adds nothing and a
    /// later return to earlier dates is recorded too); a changed title, description, estimated cost,
    /// partner or implementing organisation has no revision event in the catalogue, so it is reported
    /// as skipped, naming the recorded and the published value.
    func reviseProposal(_ published: JSONObject, state: RecordedStreamState, key: (String) -> String, line: Int,
                        element: String) -> (events: [ImportedEvent], unrecorded: [ImportProblem]) {
        var events: [ImportedEvent] = [], unrecorded: [ImportProblem] = []
        guard let recorded = state.proposal, let window = state.window,
              let start = published["plannedStartDate"]?.stringValue, let end = published["plannedEndDate"]?.stringValue else { return ([], []) }
        if (start, end) != window {
            var payload = JSONObject()
            payload["startDate"] = .string(start)
            payload["endDate"] = .string(end)
            payload["reason"] = .string("planned dates \(window.start) to \(window.end) published as \(start) to \(end) in IATI file \(fileName)")
            if let event = try? ProposedEvent(stream: "project:" + (published["projectId"]?.stringValue ?? ""), type: "ProjectDatesRevised",
                                              payload: payload, idempotencyKey: key("dates:\(sha256.prefix(16)):\(start):\(end)"),
                                              correlationId: "import:" + sha256) {
                if !state.keys.contains(event.idempotencyKey ?? "") {
                    events.append(ImportedEvent(event: event, line: line, element: element + "/activity-date"))
                }
            }
        }
        for member in ["title", "description", "estimatedCost", "developmentPartner", "implementingAgency"]
        where published[member] != recorded[member] {
            let was = recorded[member].map(Self.text) ?? "nothing", now = published[member].map(Self.text) ?? "nothing"
            unrecorded.append(ImportProblem(file: file, line: line, element: element + "/" + member,
                                            rule: "changed from \(was) to \(now); the catalogue has no event to revise it, so the ledger keeps what was first recorded"))
        }
        return (events, unrecorded)
    }

    static func text(_ value: JSONValue) -> String {
        if case let .string(s) = value { return "\"" + String(s.prefix(80)) + "\"" }
        if case let .object(o) = value, let amount = o["amount"]?.stringValue, let currency = o["currency"]?.stringValue { return amount + " " + currency }
        return value.canonicalString
    }

    static func money(_ amount: String, _ currency: String) -> JSONValue {
        var o = JSONObject()
        o["amount"] = .string(amount)
        o["currency"] = .string(currency)
        return .object(o)
    }

    /// `count` shares with at most 4 fraction digits summing to exactly 100; the first takes the remainder.
    static func equalShares(_ count: Int) -> [String] {
        let total = 1_000_000  // 100 in ten-thousandths
        let each = total / count
        var units = Array(repeating: each, count: count)
        units[0] += total - each * count
        return units.map { u in
            let fraction = String(u % 10_000 + 10_000).dropFirst()
            return DecimalText.normalize("\(u / 10_000).\(fraction)") ?? "0"
        }
    }
}
