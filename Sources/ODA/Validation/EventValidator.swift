import CanonicalJSON
import EventLog

/// Checks a batch of proposed events against the catalogue's schemas and the domain's invariants
/// before anything is appended, reading each project's recorded state from the projection tables
/// (`RecordedProjectState`: a few rows per project, however long its history), or from its stream
/// when the ledger has no current projection.
///
/// Refused (the first problem throws a `ValidationError` naming the event, JSON pointer and rule):
/// an unknown type; a schema violation (missing or extra member, wrong format, a date that does
/// not exist, a currency, DAC sector, province, organisation type or sector working group not in
/// its code list); a stream of the wrong kind or not matching the payload's id; any project event
/// on a project never proposed, or a second `ProjectProposed`; percentages not summing to exactly
/// 100 or naming a sector/province twice; an end date before its start; a status change not in
/// `ProjectStatus.allowedTransitions`, or whose `from` is not the current status; approval of a
/// project not in `proposed`; approval by the actor who proposed it (unless the policy allows it,
/// in which case the ledger adds `"selfApproved": true`); a `selfApproved` member in a request; a
/// budget period over 12 months or overlapping another period of the same line; a revision, lock
/// or reopen of a period that does not exist; a revision of a locked period; a reopen of an
/// unlocked one; a revision or amendment whose `previousAmount` is not the current value or whose
/// currency differs; an amendment of an unknown agreement; a reversal of a seq that is not a
/// transaction of this project, or that is already reversed; a second `OrganisationRegistered`;
/// a case event or `RuleConfigured` when no `additionalChecks` entry handles its type (what the
/// checks themselves refuse is theirs to say).
///
/// Recorded without complaint, because inspection judges them: overspending, disbursement above
/// commitment, back-dated or late entries, transactions on suspended or closed projects.
///
/// Events earlier in the batch count as recorded for the events after them. The validator also
/// pins `expectedVersion` on the first new event of each stream (when the request gave none) to the
/// version its checks saw, so that if another writer appends to that stream between validation and
/// append, the append is refused instead of recording an event checked against stale state. An
/// idempotent retry (its key already recorded on the stream) passes unchecked and unpinned: the
/// append returns the original event, or refuses the key if the content differs.
public struct EventValidator: Sendable {
    public let catalogue: EventCatalogue
    public let policy: ValidationPolicy
    /// Checks of other modules, run on the batch after these pass (see `EventBatchCheck`).
    public let additionalChecks: [any EventBatchCheck]

    public init(catalogue: EventCatalogue = .standard, policy: ValidationPolicy = ValidationPolicy(),
                additionalChecks: [any EventBatchCheck] = []) {
        self.catalogue = catalogue
        self.policy = policy
        self.additionalChecks = additionalChecks
    }

    /// Returns the events to append: the same events, with `selfApproved` added where the policy
    /// allowed a self-approval and `expectedVersion` pinned as described above.
    public func validate(_ events: [ProposedEvent], actor: Actor, store: EventStore) throws(ValidationError) -> [ProposedEvent] {
        var reads = ValidationReads()
        return try validate(events, actor: actor, store: store, reads: &reads)
    }

    /// `validate`, counting in `reads` where each project's state came from.
    func validate(_ events: [ProposedEvent], actor: Actor, store: EventStore,
                  reads: inout ValidationReads) throws(ValidationError) -> [ProposedEvent] {
        var projects: [String: ProjectState] = [:]
        var pinned: Set<String> = []
        var result: [ProposedEvent] = []
        // The seqs each stream's reversals name: the only transactions the checks look up.
        var reversals: [String: Set<Int64>] = [:]
        for event in events where event.type == "TransactionReversed" {
            if case let .integer(seq)? = event.payload["reversedSeq"] { reversals[event.stream, default: []].insert(seq) }
        }
        for (index, original) in events.enumerated() {
            var event = original
            func refuse(_ pointer: String, _ rule: String) -> ValidationError { ValidationError(index: index, pointer: pointer, rule: rule) }
            guard let entry = catalogue.entries[event.type] else {
                if policy.allowsUnknownTypes { result.append(event); continue }
                throw refuse("/type", "must be an ODA event type (\(catalogue.types.joined(separator: ", "))); \(event.type) is not one")
            }
            if let key = event.idempotencyKey, try isRecordedRetry(of: key, on: event.stream, store: store, index: index) {
                // An idempotent retry: the append returns the original event (or refuses a key
                // reused with other content); validating it against the state it created would
                // wrongly refuse it, e.g. as a second ProjectProposed.
                result.append(event)
                continue
            }
            if entry.needsDomainCheck, !additionalChecks.contains(where: { $0.handledTypes.contains(event.type) }) {
                throw refuse("/type", "\(event.type) events are recorded only with the Inspection module's checks, which this append path does not run")
            }
            if event.payload["selfApproved"] != nil {
                throw refuse("/payload/selfApproved", "is set by the ledger when a self-approval is allowed, never by a request")
            }
            do { try entry.schema.validate(.object(event.payload)) } catch {
                throw refuse("/payload" + error.pointer, error.rule)
            }
            guard let streamID = entry.streamID(of: event.stream) else {
                throw refuse("/stream", "\(event.type) events belong on streams named \(entry.streamPattern); \(event.stream) is not one")
            }
            let idMember: String? = switch event.type {
            case "ProjectProposed": "projectId"
            case "OrganisationRegistered", "DPDataImported": "organisationId"
            case "UserRoleGranted", "UserRoleRevoked": "userId"
            case "ExchangeRateRecorded": "quoteCurrency"
            case "CaseAssigned", "CaseCommented", "CaseInformationRequested", "CaseDismissed", "CaseEscalated", "CaseClosed",
                 "CaseReopened": "flagId"
            default: nil
            }
            if let idMember, let value = event.payload[idMember]?.stringValue, value != streamID {
                throw refuse("/payload/" + idMember, "must name the stream's id \(streamID) (the stream is \(event.stream)); it is \(value)")
            }
            var version: Int64?
            func storedVersion() throws(ValidationError) -> Int64 {
                if let version { return version }
                do { version = try store.version(of: event.stream) } catch { throw refuse("/stream", "cannot be read: \(error)") }
                return version!
            }
            if entry.streamKind == "project" {
                var state: ProjectState
                if let pending = projects[event.stream] {
                    state = pending
                } else {
                    do {
                        // The state and the version pinned below come from one snapshot.
                        if let recorded = try RecordedProjectState.read(stream: event.stream, reversed: reversals[event.stream] ?? [],
                                                                        store: store) {
                            state = recorded.state
                            version = recorded.version
                            reads.projectsFromProjection += 1
                            reads.eventsFolded += recorded.folded
                        } else {
                            let recorded = try store.events(EventQuery(stream: event.stream))
                            reads.projectsFromStream += 1
                            reads.eventsFolded += recorded.count
                            state = ProjectState(recorded: recorded)
                            version = recorded.last?.envelope.streamVersion ?? 0
                        }
                    } catch { throw refuse("/stream", "cannot be read: \(error)") }
                }
                try checkProject(&event, state: state, actor: actor, index: index)
                state.apply(type: event.type, payload: event.payload, actorID: actor.id, seq: nil)
                projects[event.stream] = state
            } else if event.type == "OrganisationRegistered" {
                if try storedVersion() > 0 || result.contains(where: { $0.stream == event.stream && $0.type == event.type }) {
                    throw refuse("/stream", "organisation \(streamID) is already registered")
                }
            } else if event.type == "ExchangeRateRecorded" {
                if event.payload["baseCurrency"] == event.payload["quoteCurrency"] {
                    throw refuse("/payload/quoteCurrency", "must differ from baseCurrency")
                }
            }
            if !pinned.contains(event.stream) {
                pinned.insert(event.stream)
                if event.expectedVersion == nil { event.expectedVersion = try storedVersion() }
            }
            result.append(event)
        }
        for check in additionalChecks { try check.check(result, store: store) }
        return result
    }

    /// Whether an event with idempotency key `key` is already recorded on `stream` (an indexed lookup).
    private func isRecordedRetry(of key: String, on stream: String, store: EventStore, index: Int) throws(ValidationError) -> Bool {
        do {
            return try RecordedProjectState.isRecorded(key: key, on: stream, store: store)
        } catch {
            throw ValidationError(index: index, pointer: "/stream", rule: "cannot be read: \(error)")
        }
    }

    /// Domain invariants of one event on a project stream.
    private func checkProject(_ event: inout ProposedEvent, state: ProjectState, actor: Actor, index: Int) throws(ValidationError) {
        func refuse(_ pointer: String, _ rule: String) -> ValidationError { ValidationError(index: index, pointer: pointer, rule: rule) }
        let payload = event.payload
        func string(_ key: String) -> String { payload[key]?.stringValue ?? "" }
        // Schema validation has already guaranteed these parse.
        func date(_ key: String) -> CalendarDate { CalendarDate(string(key))! }
        func amount(_ key: String) -> Amount { try! Amount(json: payload[key]!) }
        let projectID = String(event.stream.dropFirst("project:".count))

        if event.type == "ProjectProposed" {
            guard !state.exists else { throw refuse("/stream", "project \(projectID) has already been proposed") }
            if date("plannedEndDate") < date("plannedStartDate") {
                throw refuse("/payload/plannedEndDate", "must not be before plannedStartDate \(string("plannedStartDate")); it is \(string("plannedEndDate"))")
            }
            return
        }
        guard state.exists else {
            throw refuse("/stream", "project \(projectID) does not exist: record ProjectProposed on \(event.stream) first")
        }
        switch event.type {
        case "ProjectApproved":
            guard state.status == .proposed else {
                throw refuse("/type", "only a proposed project can be approved; project \(projectID) is \(state.status.rawValue)")
            }
            if state.proposerActorID == actor.id {
                guard policy.allowsSelfApproval else {
                    throw refuse("/actor", "\(actor.id) proposed project \(projectID) and cannot also approve it (set approval.allow_self = true in ledger.conf to allow self-approval, which is then recorded)")
                }
                event.payload["selfApproved"] = .bool(true)
            }
        case "ProjectStatusChanged":
            let from = ProjectStatus(rawValue: string("from"))!
            let to = ProjectStatus(rawValue: string("to"))!
            guard from == state.status else {
                throw refuse("/payload/from", "must be the project's current status \(state.status.rawValue); it is \(from.rawValue)")
            }
            guard state.status.canChange(to: to) else {
                throw refuse("/payload/to", "from \(state.status.rawValue) a project can become \(state.status.allowedNextText), not \(to.rawValue)")
            }
        case "ProjectDatesRevised":
            if date("endDate") < date("startDate") {
                throw refuse("/payload/endDate", "must not be before startDate \(string("startDate")); it is \(string("endDate"))")
            }
        case "SectorAllocationRevised", "LocationAllocationRevised":
            let member = event.type == "SectorAllocationRevised" ? "sector" : "province"
            var seen: Set<String> = []
            var total: Int128 = 0
            for (position, allocation) in (payload["allocations"]?.arrayValue ?? []).enumerated() {
                let code = allocation.objectValue?[member]?.stringValue ?? ""
                guard seen.insert(code).inserted else {
                    throw refuse("/payload/allocations/\(position)/\(member)", "\(code) appears more than once; give each \(member) one share")
                }
                total += (try? Percentage(allocation.objectValue?["percentage"]?.stringValue ?? ""))?.tenThousandths ?? 0
            }
            if total != Percentage.wholeInTenThousandths {
                throw refuse("/payload/allocations", "percentages must sum to exactly 100; they sum to \(total.decimalTextTrimmed(scale: 4))")
            }
        case "FinancingAgreementSigned":
            if state.agreements[string("agreementId")] != nil {
                throw refuse("/payload/agreementId", "agreement \(string("agreementId")) is already signed on project \(projectID); amend it instead")
            }
        case "FinancingAgreementAmended":
            guard let current = state.agreements[string("agreementId")] else {
                throw refuse("/payload/agreementId", "no agreement \(string("agreementId")) has been signed on project \(projectID)")
            }
            try checkPrevious(amount("previousAmount"), current: current, new: amount("newAmount"), index: index)
        case "AnnualBudgetPlanned":
            let start = date("periodStart"), end = date("periodEnd")
            if end < start { throw refuse("/payload/periodEnd", "must not be before periodStart \(start); it is \(end)") }
            guard BudgetPeriod.isWithinMaximumLength(start: start, end: end) else {
                throw refuse("/payload/periodEnd", "a budget period lasts at most 12 months: it must end before \(start.adding(months: 12)); it ends \(end)")
            }
            let line = string("budgetLineId")
            if let other = state.budgetPeriods.first(where: { $0.budgetLineId == line && $0.overlaps(start: start, end: end) }) {
                throw refuse("/payload/periodStart", "budget line \(line) already has the period \(other.start) to \(other.end), which overlaps \(start) to \(end)")
            }
        case "AnnualBudgetRevised", "BudgetPeriodLocked", "BudgetReopenApproved":
            let line = string("budgetLineId")
            guard let periodIndex = state.periodIndex(line: line, start: date("periodStart")) else {
                throw refuse("/payload/periodStart", "budget line \(line) of project \(projectID) has no period starting \(string("periodStart"))")
            }
            let period = state.budgetPeriods[periodIndex]
            switch event.type {
            case "AnnualBudgetRevised":
                if period.isLocked {
                    throw refuse("/payload/periodStart", "the period of budget line \(line) starting \(period.start) is locked; record BudgetReopenApproved first")
                }
                try checkPrevious(amount("previousAmount"), current: period.amount, new: amount("newAmount"), index: index)
            case "BudgetPeriodLocked":
                if period.isLocked { throw refuse("/payload/periodStart", "the period of budget line \(line) starting \(period.start) is already locked") }
            default:
                if !period.isLocked { throw refuse("/payload/periodStart", "the period of budget line \(line) starting \(period.start) is not locked") }
            }
        case "TransactionReversed":
            guard case let .integer(seq)? = payload["reversedSeq"] else { return }
            guard state.transactions[seq] != nil else {
                throw refuse("/payload/reversedSeq", "must be the seq of a commitment, disbursement, expenditure or counterpart contribution recorded on \(event.stream); \(seq) is not one")
            }
            if state.reversedSeqs.contains(seq) { throw refuse("/payload/reversedSeq", "seq \(seq) has already been reversed") }
        default:
            break
        }
    }

    /// An absolute revision must state the current value as its previous value, in the same currency.
    private func checkPrevious(_ previous: Amount, current: Amount, new: Amount, index: Int) throws(ValidationError) {
        guard previous == current else {
            throw ValidationError(index: index, pointer: "/payload/previousAmount",
                                  rule: "must be the current value \(current); it is \(previous) (someone may have revised it meanwhile)")
        }
        guard new.currency == current.currency else {
            throw ValidationError(index: index, pointer: "/payload/newAmount/currency",
                                  rule: "must be \(current.currency), the currency of the current value; it is \(new.currency)")
        }
    }
}

extension Int128 {
    /// `decimalText(scale:)` without trailing fraction zeros.
    func decimalTextTrimmed(scale: Int) -> String {
        var units = self
        var scale = scale
        while scale > 0, units % 10 == 0 { units /= 10; scale -= 1 }
        return units.decimalText(scale: scale)
    }
}

/// Where the validator found the projects' recorded state: what tests and benchmarks check to
/// see that validation cost follows the batch, not the projects' histories.
struct ValidationReads: Equatable {
    /// Projects whose state came from the projection tables.
    var projectsFromProjection = 0
    /// Projects whose whole stream was read (no usable projection).
    var projectsFromStream = 0
    /// Recorded events decoded and folded: the whole stream for the latter, only the events after
    /// the projection's checkpoint for the former.
    var eventsFolded = 0
}
