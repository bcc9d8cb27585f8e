import CanonicalJSON
import EventLog
import XCTest
@testable import ODA

/// Every invariant against a real EventStore in a temporary directory: refused with the right
/// pointer and rule and nothing written, and the valid path accepted. The ledgers have the
/// projection registered (as the CLI does), so the checks read the projection tables;
/// `ValidationSourceTests` covers ledgers without it or with a lagging one.
final class EventValidatorTests: XCTestCase {
    let project = "project:LA-MPI-2024-017"

    func example(_ type: String) throws -> ProposedEvent { try Repository.example(type) }

    /// A ledger holding the proposed and approved example project (seq 1 and 2).
    func approvedProject() throws -> TemporaryLedger {
        let ledger = try TemporaryLedger(projected: true)
        _ = try ledger.store.appendValidated([try example("ProjectProposed")], actor: proposer)
        _ = try ledger.store.appendValidated([try example("ProjectApproved")], actor: approver)
        return ledger
    }

    /// A ledger whose example project is active.
    func activeProject() throws -> TemporaryLedger {
        let ledger = try approvedProject()
        _ = try ledger.store.appendValidated([try example("ProjectStatusChanged")], actor: proposer)
        return ledger
    }

    func status(_ from: String, _ to: String) throws -> ProposedEvent {
        try example("ProjectStatusChanged").editing { $0["from"] = .string(from); $0["to"] = .string(to) }
    }

    // MARK: - The valid path

    func testTheWholeCatalogueIsAcceptedInALifelikeOrder() throws {
        let ledger = try TemporaryLedger(projected: true)
        let store = ledger.store
        _ = try store.appendValidated(try ["OrganisationRegistered", "DPDataImported", "UserRoleGranted", "UserRoleRevoked",
                                           "ExchangeRateRecorded", "ProjectProposed"].map(example), actor: proposer)
        _ = try store.appendValidated([try example("ProjectApproved")], actor: approver)
        let outcomes = try store.appendValidated(try [
            "ProjectStatusChanged", "ProjectDatesRevised", "SectorAllocationRevised", "LocationAllocationRevised",
            "FinancingAgreementSigned", "FinancingAgreementAmended", "AnnualBudgetPlanned", "AnnualBudgetRevised",
            "BudgetPeriodLocked", "BudgetReopenApproved", "CommitmentRecorded", "DisbursementRecorded",
            "ExpenditureRecorded", "CounterpartContributionRecorded",
        ].map(example), actor: proposer)
        let disbursement = try XCTUnwrap(outcomes.first { $0.event.envelope.type == "DisbursementRecorded" }?.event.seq)
        XCTAssertEqual(disbursement, 19)
        let reversal = try example("TransactionReversed").editing { $0["reversedSeq"] = .integer(disbursement) }
        _ = try store.appendValidated([reversal], actor: proposer)
        XCTAssertEqual(ledger.head, 22)
        let approval = try XCTUnwrap(store.events(EventQuery(type: "ProjectApproved")).first)
        XCTAssertNil(approval.envelope.payload["selfApproved"])
        XCTAssertEqual(approval.envelope.actor.id, "user:khamla")
    }

    func testSuspiciousButLegalEventsAreRecorded() throws {
        let ledger = try activeProject()
        // Disbursement above the commitment, expenditure above the budget, back-dated to 2019, a
        // negative commitment and a refund: inspection judges these, validation does not.
        let events = [
            try example("CommitmentRecorded").editing { $0["amount"] = ["amount": "100", "currency": "USD"] },
            try example("DisbursementRecorded").editing { $0["amount"] = ["amount": "999999999", "currency": "USD"]; $0["date"] = "2019-01-01" },
            try example("ExpenditureRecorded").editing { $0["amount"] = ["amount": "-5", "currency": "USD"] },
            try example("CommitmentRecorded").editing { $0["amount"] = ["amount": "-100", "currency": "USD"] },
        ]
        XCTAssertEqual(try ledger.store.appendValidated(events, actor: proposer).count, 4)
    }

    func testTheValidatorPinsTheExpectedVersionOfTheStreamsItRead() throws {
        let ledger = try approvedProject()
        let validated = try EventValidator().validate([try example("ProjectStatusChanged"), try example("ProjectDatesRevised")],
                                                      actor: proposer, store: ledger.store)
        XCTAssertEqual(validated.map(\.expectedVersion), [2, nil])
        var keyed = try example("ProjectDatesRevised")
        keyed.idempotencyKey = "dates-1"
        XCTAssertEqual(try EventValidator().validate([keyed], actor: proposer, store: ledger.store).map(\.expectedVersion), [2],
                       "a new event with a key is pinned too")
        // Another writer moves the stream on: the validated batch no longer appends.
        _ = try ledger.store.appendValidated([try example("ProjectDatesRevised")], actor: proposer)
        XCTAssertThrowsError(try ledger.store.append(validated, actor: proposer)) { error in
            guard case .wrongExpectedVersion = error as? AppendError else { return XCTFail("\(error)") }
        }
    }

    func testAnIdempotentRetryReturnsTheOriginalInsteadOfBeingRefused() throws {
        let ledger = try TemporaryLedger(projected: true)
        var proposal = try example("ProjectProposed")
        proposal.idempotencyKey = "proposal-017"
        let first = try ledger.store.appendValidated([proposal], actor: proposer)
        let retry = try ledger.store.appendValidated([proposal], actor: proposer)
        XCTAssertTrue(retry[0].wasAlreadyRecorded)
        XCTAssertEqual(retry[0].event.hash, first[0].event.hash)
        XCTAssertEqual(ledger.head, 1)
        // Without the key the same request is a second proposal, and refused.
        proposal.idempotencyKey = nil
        assertRefused([proposal], in: ledger, pointer: "/stream", rule: "has already been proposed")
    }

    // MARK: - Types, streams and schema, through the store

    func testUnknownTypeIsRefusedUnlessThePolicyAllowsIt() throws {
        let ledger = try TemporaryLedger(projected: true)
        let event = try ProposedEvent(stream: project, type: "DisbursmentRecorded", payload: [:])
        assertRefused([event], in: ledger, pointer: "/type", rule: "must be an ODA event type (AnnualBudgetPlanned,")
        assertRefused([event], in: ledger, pointer: "/type", rule: "DisbursmentRecorded is not one")
        _ = try ledger.store.appendValidated([event], actor: proposer, validator: EventValidator(policy: .init(allowsUnknownTypes: true)))
        XCTAssertEqual(ledger.head, 1)
    }

    func testSchemaViolationsAreRefusedWithThePayloadPointer() throws {
        let ledger = try activeProject()
        assertRefused([try example("DisbursementRecorded").editing { $0["amount"] = ["amount": "10", "currency": "XYZ"] }],
                      in: ledger, pointer: "/payload/amount/currency", rule: "must be an ISO 4217 code; XYZ is not one")
        assertRefused([try example("DisbursementRecorded").editing { $0["reference"] = nil; $0["provider"] = nil }],
                      in: ledger, pointer: "/payload/provider", rule: "is required")
        assertRefused([try example("DisbursementRecorded").editing { $0["approvedBy"] = "x" }],
                      in: ledger, pointer: "/payload/approvedBy", rule: "is not allowed here")
        assertRefused([try example("ExpenditureRecorded").editing { $0["date"] = "2024-06-31" }],
                      in: ledger, pointer: "/payload/date", rule: "real calendar date")
        assertRefused([try example("LocationAllocationRevised").editing {
            $0["allocations"] = [["province": "LA-VT", "percentage": "50"], ["province": "LA-ZZ", "percentage": "50"]]
        }], in: ledger, pointer: "/payload/allocations/1/province", rule: "LA-ZZ is not one")
        assertRefused([try example("SectorAllocationRevised").editing { $0["allocations"] = [["sector": "12345", "percentage": "100"]] }],
                      in: ledger, pointer: "/payload/allocations/0/sector", rule: "must be a DAC 5-digit sector code; 12345 is not one")
    }

    func testStreamsMustBeOfTheTypesKindAndMatchThePayloadsId() throws {
        let ledger = try TemporaryLedger(projected: true)
        var rate = try example("ExchangeRateRecorded")
        rate.stream = "project:LAK"
        assertRefused([rate], in: ledger, pointer: "/stream", rule: "ExchangeRateRecorded events belong on streams named fx:<id>; project:LAK is not one")
        rate.stream = "fx:THB"
        assertRefused([rate], in: ledger, pointer: "/payload/quoteCurrency", rule: "must name the stream's id THB")
        var proposal = try example("ProjectProposed")
        proposal.stream = "project:OTHER"
        assertRefused([proposal], in: ledger, pointer: "/payload/projectId", rule: "must name the stream's id OTHER")
        assertRefused([try example("ExchangeRateRecorded").editing { $0["baseCurrency"] = "LAK" }],
                      in: ledger, pointer: "/payload/quoteCurrency", rule: "must differ from baseCurrency")
    }

    func testOrganisationsAreRegisteredOnce() throws {
        let ledger = try TemporaryLedger(projected: true)
        assertRefused([try example("OrganisationRegistered"), try example("OrganisationRegistered")], in: ledger, index: 1,
                      pointer: "/stream", rule: "organisation XM-DAC-41114 is already registered")
        _ = try ledger.store.appendValidated([try example("OrganisationRegistered")], actor: proposer)
        assertRefused([try example("OrganisationRegistered")], in: ledger, pointer: "/stream", rule: "already registered")
    }

    // MARK: - Project existence

    func testEventsOnAProjectNeverProposedAreRefused() throws {
        let ledger = try TemporaryLedger(projected: true)
        for type in ["ProjectApproved", "DisbursementRecorded", "AnnualBudgetPlanned", "TransactionReversed"] {
            assertRefused([try example(type)], in: ledger, pointer: "/stream",
                          rule: "project LA-MPI-2024-017 does not exist: record ProjectProposed on project:LA-MPI-2024-017 first")
        }
        assertRefused([try example("ProjectProposed"), try example("ProjectProposed")], in: ledger, index: 1,
                      pointer: "/stream", rule: "has already been proposed")
    }

    func testABatchIsAllOrNothingAndLaterEventsSeeEarlierOnes() throws {
        let ledger = try TemporaryLedger(projected: true)
        // The proposal in the batch makes the project exist for the next event…
        let bad = try example("ProjectStatusChanged").editing { $0["from"] = "proposed"; $0["to"] = "active" }
        assertRefused([try example("ProjectProposed"), bad], in: ledger, index: 1, pointer: "/payload/to",
                      rule: "from proposed a project can become approved (through ProjectApproved) or cancelled, not active")
        // …and nothing of the batch, not even the valid first event, was written.
        XCTAssertEqual(ledger.head, 0)
        _ = try ledger.store.appendValidated([try example("ProjectProposed"), try status("proposed", "cancelled")], actor: proposer)
        XCTAssertEqual(ledger.head, 2)
    }

    // MARK: - Dates

    func testEndBeforeStartIsRefused() throws {
        let ledger = try TemporaryLedger(projected: true)
        assertRefused([try example("ProjectProposed").editing { $0["plannedEndDate"] = "2023-12-31" }], in: ledger,
                      pointer: "/payload/plannedEndDate", rule: "must not be before plannedStartDate 2024-01-01; it is 2023-12-31")
        _ = try ledger.store.appendValidated([try example("ProjectProposed").editing { $0["plannedEndDate"] = "2024-01-01" }], actor: proposer)
        assertRefused([try example("ProjectDatesRevised").editing { $0["endDate"] = "2024-02-29" }], in: ledger,
                      pointer: "/payload/endDate", rule: "must not be before startDate 2024-03-01; it is 2024-02-29")
    }

    // MARK: - Lifecycle

    func testStatusTransitionsFollowTheLifecycle() throws {
        let ledger = try activeProject()
        assertRefused([try status("approved", "suspended")], in: ledger, pointer: "/payload/from",
                      rule: "must be the project's current status active; it is approved")
        assertRefused([try status("active", "approved")], in: ledger, pointer: "/payload/to",
                      rule: "from active a project can become suspended or completed or closed, not approved")
        assertRefused([try status("active", "cancelled")], in: ledger, pointer: "/payload/to", rule: "not cancelled")
        assertRefused([try example("ProjectApproved")], by: approver, in: ledger, pointer: "/type",
                      rule: "only a proposed project can be approved; project LA-MPI-2024-017 is active")
        _ = try ledger.store.appendValidated([try status("active", "suspended")], actor: proposer)
        assertRefused([try status("suspended", "completed")], in: ledger, pointer: "/payload/to",
                      rule: "from suspended a project can become active, not completed")
        _ = try ledger.store.appendValidated([try status("suspended", "active"), try status("active", "completed"),
                                              try status("completed", "closed")], actor: proposer)
        assertRefused([try status("closed", "active")], in: ledger, pointer: "/payload/to",
                      rule: "from closed a project can become none: closed is final, not active")
    }

    func testTheLifecycleTable() {
        XCTAssertTrue(ProjectStatus.approved.canChange(to: .cancelled))
        XCTAssertFalse(ProjectStatus.proposed.canChange(to: .approved), "only ProjectApproved approves")
        XCTAssertFalse(ProjectStatus.cancelled.canChange(to: .proposed))
        XCTAssertFalse(ProjectStatus.active.canChange(to: .active))
    }

    // MARK: - Self-approval

    func testTheProposerCannotApproveUnlessTheDeploymentAllowsItAndThenItIsRecorded() throws {
        let ledger = try TemporaryLedger(projected: true)
        _ = try ledger.store.appendValidated([try example("ProjectProposed")], actor: proposer)
        assertRefused([try example("ProjectApproved")], by: proposer, in: ledger, pointer: "/actor",
                      rule: "user:somsack proposed project LA-MPI-2024-017 and cannot also approve it (set approval.allow_self = true")
        assertRefused([try example("ProjectApproved").editing { $0["selfApproved"] = true }], by: approver, in: ledger,
                      pointer: "/payload/selfApproved", rule: "is set by the ledger")
        let lenient = EventValidator(policy: ValidationPolicy(allowsSelfApproval: true))
        let outcome = try ledger.store.appendValidated([try example("ProjectApproved")], actor: proposer, validator: lenient)
        XCTAssertEqual(outcome[0].event.envelope.payload["selfApproved"], .bool(true))
    }

    func testAnApprovalByAnotherActorIsNotMarkedSelfApprovedEvenWhenAllowed() throws {
        let ledger = try TemporaryLedger(projected: true)
        _ = try ledger.store.appendValidated([try example("ProjectProposed")], actor: proposer)
        let lenient = EventValidator(policy: ValidationPolicy(allowsSelfApproval: true))
        let outcome = try ledger.store.appendValidated([try example("ProjectApproved")], actor: approver, validator: lenient)
        XCTAssertNil(outcome[0].event.envelope.payload["selfApproved"])
    }

    // MARK: - Allocations

    func testAllocationsMustSumToExactlyOneHundredWithEachCodeOnce() throws {
        let ledger = try activeProject()
        assertRefused([try example("SectorAllocationRevised").editing {
            $0["allocations"] = [["sector": "14030", "percentage": "33.3333"], ["sector": "14031", "percentage": "33.3333"],
                                 ["sector": "14032", "percentage": "33.3333"]]
        }], in: ledger, pointer: "/payload/allocations", rule: "percentages must sum to exactly 100; they sum to 99.9999")
        assertRefused([try example("LocationAllocationRevised").editing {
            $0["allocations"] = [["province": "LA-SV", "percentage": "60"], ["province": "LA-SL", "percentage": "40.5"]]
        }], in: ledger, pointer: "/payload/allocations", rule: "they sum to 100.5")
        assertRefused([try example("LocationAllocationRevised").editing {
            $0["allocations"] = [["province": "LA-SV", "percentage": "50"], ["province": "LA-SV", "percentage": "50"]]
        }], in: ledger, pointer: "/payload/allocations/1/province", rule: "LA-SV appears more than once")
        _ = try ledger.store.appendValidated([try example("SectorAllocationRevised").editing {
            $0["allocations"] = [["sector": "14030", "percentage": "33.3334"], ["sector": "14031", "percentage": "33.3333"],
                                 ["sector": "14032", "percentage": "33.3333"]]
        }], actor: proposer)
    }

    // MARK: - Budgets

    func budget(_ start: String, _ end: String, line: String = "BL-1") throws -> ProposedEvent {
        try example("AnnualBudgetPlanned").editing {
            $0["budgetLineId"] = .string(line); $0["periodStart"] = .string(start); $0["periodEnd"] = .string(end)
        }
    }

    func testBudgetPeriodsLastAtMostTwelveMonthsAndDoNotOverlap() throws {
        let ledger = try activeProject()
        assertRefused([try budget("2024-01-01", "2025-01-01")], in: ledger, pointer: "/payload/periodEnd",
                      rule: "a budget period lasts at most 12 months: it must end before 2025-01-01; it ends 2025-01-01")
        assertRefused([try budget("2024-07-01", "2024-06-30")], in: ledger, pointer: "/payload/periodEnd", rule: "must not be before periodStart")
        _ = try ledger.store.appendValidated([try budget("2024-01-01", "2024-12-31")], actor: proposer)
        assertRefused([try budget("2024-12-31", "2025-06-30")], in: ledger, pointer: "/payload/periodStart",
                      rule: "budget line BL-1 already has the period 2024-01-01 to 2024-12-31, which overlaps 2024-12-31 to 2025-06-30")
        assertRefused([try budget("2023-06-01", "2024-01-01")], in: ledger, pointer: "/payload/periodStart", rule: "overlaps")
        // Another line may plan the same months; the same line the next year.
        _ = try ledger.store.appendValidated([try budget("2024-01-01", "2024-12-31", line: "BL-2"), try budget("2025-01-01", "2025-12-31")],
                                             actor: proposer)
        // Overlap with a period planned earlier in the same batch.
        assertRefused([try budget("2024-01-01", "2024-06-30", line: "BL-3"), try budget("2024-06-30", "2024-12-31", line: "BL-3")],
                      in: ledger, index: 1, pointer: "/payload/periodStart", rule: "overlaps")
    }

    func testRevisionsNeedTheCurrentValueAnExistingUnlockedPeriodAndADecision() throws {
        let ledger = try activeProject()
        assertRefused([try example("AnnualBudgetRevised")], in: ledger, pointer: "/payload/periodStart",
                      rule: "budget line BL-1 of project LA-MPI-2024-017 has no period starting 2024-01-01")
        _ = try ledger.store.appendValidated([try example("AnnualBudgetPlanned")], actor: proposer)
        assertRefused([try example("AnnualBudgetRevised").editing { $0["previousAmount"] = ["amount": "250000", "currency": "USD"] }],
                      in: ledger, pointer: "/payload/previousAmount", rule: "must be the current value 300000 USD; it is 250000 USD")
        assertRefused([try example("AnnualBudgetRevised").editing { $0["newAmount"] = ["amount": "250000", "currency": "EUR"] }],
                      in: ledger, pointer: "/payload/newAmount/currency", rule: "must be USD")
        assertRefused([try example("AnnualBudgetRevised").editing { $0["decisionReference"] = nil }],
                      in: ledger, pointer: "/payload/decisionReference", rule: "is required")
        assertRefused([try example("BudgetReopenApproved")], in: ledger, pointer: "/payload/periodStart", rule: "is not locked")
        _ = try ledger.store.appendValidated([try example("AnnualBudgetRevised"), try example("BudgetPeriodLocked")], actor: proposer)
        let second = try example("AnnualBudgetRevised").editing {
            $0["previousAmount"] = ["amount": "280000", "currency": "USD"]; $0["newAmount"] = ["amount": "290000", "currency": "USD"]
        }
        assertRefused([second], in: ledger, pointer: "/payload/periodStart",
                      rule: "the period of budget line BL-1 starting 2024-01-01 is locked; record BudgetReopenApproved first")
        assertRefused([try example("BudgetPeriodLocked")], in: ledger, pointer: "/payload/periodStart", rule: "is already locked")
        _ = try ledger.store.appendValidated([try example("BudgetReopenApproved"), second], actor: proposer)
    }

    func testAgreementsAreAmendedFromTheirCurrentAmount() throws {
        let ledger = try activeProject()
        assertRefused([try example("FinancingAgreementAmended")], in: ledger, pointer: "/payload/agreementId",
                      rule: "no agreement GA-2024-017 has been signed on project LA-MPI-2024-017")
        _ = try ledger.store.appendValidated([try example("FinancingAgreementSigned")], actor: proposer)
        assertRefused([try example("FinancingAgreementSigned")], in: ledger, pointer: "/payload/agreementId", rule: "amend it instead")
        assertRefused([try example("FinancingAgreementAmended").editing { $0["previousAmount"] = ["amount": "1", "currency": "USD"] }],
                      in: ledger, pointer: "/payload/previousAmount", rule: "must be the current value 1000000 USD")
        _ = try ledger.store.appendValidated([try example("FinancingAgreementAmended")], actor: proposer)
    }

    // MARK: - Reversals

    func testReversalsNameATransactionOfTheSameProjectOnce() throws {
        let ledger = try activeProject()
        let outcomes = try ledger.store.appendValidated([try example("DisbursementRecorded")], actor: proposer)
        let seq = outcomes[0].event.seq
        assertRefused([try example("TransactionReversed").editing { $0["reversedSeq"] = 2 }], in: ledger,
                      pointer: "/payload/reversedSeq", rule: "must be the seq of a commitment, disbursement, expenditure or counterpart contribution recorded on project:LA-MPI-2024-017; 2 is not one")
        let reversal = try example("TransactionReversed").editing { $0["reversedSeq"] = .integer(seq) }
        assertRefused([reversal, reversal], in: ledger, index: 1, pointer: "/payload/reversedSeq", rule: "has already been reversed")
        _ = try ledger.store.appendValidated([reversal], actor: proposer)
        assertRefused([reversal], in: ledger, pointer: "/payload/reversedSeq", rule: "seq \(seq) has already been reversed")
        // A transaction of another project cannot be reversed from this one.
        let other = try example("ProjectProposed").editing { $0["projectId"] = "LA-OTHER" }
        var otherProposal = other
        otherProposal.stream = "project:LA-OTHER"
        _ = try ledger.store.appendValidated([otherProposal], actor: proposer)
        var foreign = try example("TransactionReversed").editing { $0["reversedSeq"] = .integer(seq) }
        foreign.stream = "project:LA-OTHER"
        assertRefused([foreign], in: ledger, pointer: "/payload/reversedSeq", rule: "is not one")
    }
}
