import CanonicalJSON

extension ProjectSnapshot {
    /// The snapshot as JSON (amounts as `{"amount", "currency"}` with canonical decimal strings;
    /// totals exclude reversed transactions), for `project show --format json` and services.
    public func jsonValue(position: Int64) throws -> JSONValue {
        func opt(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        func shares(_ list: [AllocationShare]) -> JSONValue {
            .array(list.map { .object(["code": .string($0.code), "percentage": .string($0.percentage.description)]) })
        }
        var totals = JSONObject()
        for kind in TransactionKind.allCases { totals[kind.rawValue] = .array(try total(kind).map(\.jsonValue)) }
        totals["budget"] = .array(try budgetTotal().map(\.jsonValue))
        let object: JSONObject = [
            "asOfSeq": .integer(position),
            "projectId": .string(projectId), "title": opt(title), "partner": opt(partner),
            "implementingAgency": opt(implementingAgency), "sectorWorkingGroup": opt(sectorWorkingGroup),
            "status": .string(status.rawValue), "plannedStart": opt(plannedStart), "plannedEnd": opt(plannedEnd),
            "startDate": opt(startDate), "endDate": opt(endDate), "estimatedCost": estimatedCost?.jsonValue ?? .null,
            "approval": approvingAuthority == nil ? .null : .object([
                "authority": opt(approvingAuthority), "reference": opt(approvalReference), "date": opt(approvalDate),
                "selfApproved": .bool(selfApproved),
            ]),
            "sectors": shares(sectors), "provinces": shares(provinces),
            "budgetLines": .array(budgetLines.map { line in .object([
                "budgetLineId": .string(line.budgetLineId), "periodStart": .string(line.periodStart),
                "periodEnd": .string(line.periodEnd), "description": opt(line.description), "original": line.original.jsonValue,
                "current": line.current.jsonValue, "revisionCount": .integer(Int64(line.revisionCount)),
                "locked": .bool(line.isLocked), "lastDecisionReference": opt(line.lastDecisionReference),
            ]) }),
            "agreements": .array(agreements.map { agreement in .object([
                "agreementId": .string(agreement.agreementId), "partner": opt(agreement.partner),
                "instrument": opt(agreement.instrument), "signedDate": opt(agreement.signedDate),
                "amount": agreement.amount.jsonValue, "amendmentCount": .integer(Int64(agreement.amendmentCount)),
            ]) }),
            "transactions": .array(transactions.map { t in .object([
                "seq": .integer(t.seq), "transactionId": opt(t.transactionId), "kind": .string(t.kind.rawValue),
                "date": opt(t.date), "fiscalYear": t.fiscalYear.map(JSONValue.integer) ?? .null, "amount": t.amount.jsonValue,
                "counterparty": opt(t.counterparty), "reversedBy": t.reversedBy.map(JSONValue.integer) ?? .null,
            ]) }),
            "totals": .object(totals),
            "history": .array(history.map { h in .object([
                "seq": .integer(h.seq), "type": .string(h.type), "actor": .string(h.actor), "actorRole": opt(h.actorRole),
                "recordedAt": .string(h.recordedAt), "occurredAt": opt(h.occurredAt),
                "decisionReference": opt(h.decisionReference), "summary": .string(h.summary),
            ]) }),
        ]
        return .object(object)
    }
}
