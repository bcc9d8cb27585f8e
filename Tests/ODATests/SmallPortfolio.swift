import CanonicalJSON
import EventLog
@testable import ODA

/// Two projects in five batches, with figures chosen so the expected projections can be worked
/// out by hand (1 USD = 20,000 LAK from 2024-01-01):
///
/// | seq | event |
/// |---|---|
/// | 1–3 | UNDP (XM-DAC-41114) and UNICEF (XM-DAC-41122) registered; rate 20000 |
/// | 4–5 | project A (LA-MPI-2024-017, UNDP) and B (LA-MOH-2024-002, UNICEF) proposed |
/// | 6–7 | both approved |
/// | 8–15 | A active; sectors 14030 66.6667 / 14031 33.3333; provinces LA-SV 60 / LA-SL 40; 2024 budget BL-1 300,000 and BL-2 100,000 USD; commitment 1,000,000; disbursements D-1 and D-2 (a duplicate) 250,000 each |
/// | 16–19 | D-2 (seq 15) reversed; BL-1 revised to 280,000; expenditure 412,500,000 LAK; counterpart planned 500,000,000 LAK |
/// | 20–27 | B active, 12220 100 %, LA-VT 100 %, 2024 budget 200,000, disbursed 50,000, spent 30,000; A 2025 budget BL-1 400,000 and disbursement D-3 100,000 |
enum SmallPortfolio {
    static let projectA = "LA-MPI-2024-017"
    static let projectB = "LA-MOH-2024-002"

    static func example(_ type: String) throws -> ProposedEvent { try Repository.example(type) }

    static func onB(_ event: ProposedEvent) -> ProposedEvent {
        var copy = event
        copy.stream = "project:\(projectB)"
        return copy
    }

    static func usd(_ amount: String) -> JSONValue { ["amount": .string(amount), "currency": "USD"] }

    static var batches: [(Actor, [ProposedEvent])] {
        get throws {
            let status = try example("ProjectStatusChanged")
            return [
                (proposer, [
                    try example("OrganisationRegistered"),
                    try example("OrganisationRegistered").editing {
                        $0["organisationId"] = "XM-DAC-41122"; $0["iatiIdentifier"] = "XM-DAC-41122"; $0["name"] = "UNICEF"
                    }.restreamed("org:XM-DAC-41122"),
                    try example("ExchangeRateRecorded").editing { $0["rate"] = "20000"; $0["effectiveDate"] = "2024-01-01" },
                    try example("ProjectProposed"),
                    onB(try example("ProjectProposed").editing {
                        $0["projectId"] = .string(projectB); $0["developmentPartner"] = "XM-DAC-41122"
                        $0["title"] = "Primary health care in Vientiane"; $0["estimatedCost"] = usd("400000")
                    }),
                ]),
                (approver, [try example("ProjectApproved"), onB(try example("ProjectApproved"))]),
                (proposer, [
                    status,
                    try example("SectorAllocationRevised"),
                    try example("LocationAllocationRevised"),
                    try example("AnnualBudgetPlanned"),
                    try example("AnnualBudgetPlanned").editing { $0["budgetLineId"] = "BL-2"; $0["amount"] = usd("100000") },
                    try example("CommitmentRecorded"),
                    try example("DisbursementRecorded").editing { $0["transactionId"] = "D-1" },
                    try example("DisbursementRecorded").editing { $0["transactionId"] = "D-2" },
                ]),
                (proposer, [
                    try example("TransactionReversed").editing { $0["reversedSeq"] = 15 },
                    try example("AnnualBudgetRevised"),
                    try example("ExpenditureRecorded"),
                    try example("CounterpartContributionRecorded"),
                ]),
                (proposer, [
                    onB(status),
                    onB(try example("SectorAllocationRevised").editing {
                        $0["allocations"] = [["sector": "12220", "percentage": "100"]]
                    }),
                    onB(try example("LocationAllocationRevised").editing {
                        $0["allocations"] = [["province": "LA-VT", "percentage": "100"]]
                    }),
                    onB(try example("AnnualBudgetPlanned").editing { $0["amount"] = usd("200000") }),
                    onB(try example("DisbursementRecorded").editing { $0["amount"] = usd("50000"); $0["date"] = "2024-06-01" }),
                    onB(try example("ExpenditureRecorded").editing { $0["amount"] = usd("30000"); $0["date"] = "2024-07-01" }),
                    try example("AnnualBudgetPlanned").editing {
                        $0["periodStart"] = "2025-01-01"; $0["periodEnd"] = "2025-12-31"; $0["amount"] = usd("400000")
                    },
                    try example("DisbursementRecorded").editing {
                        $0["transactionId"] = "D-3"; $0["amount"] = usd("100000"); $0["date"] = "2025-03-01"
                    },
                ]),
            ]
        }
    }

    /// Appends every batch (validated) to `store`; returns the head after each batch.
    @discardableResult
    static func record(in store: EventStore, batches range: Range<Int>? = nil) throws -> [Int64] {
        let all = try batches
        var heads: [Int64] = []
        for (actor, events) in all[range ?? all.indices] {
            _ = try store.appendValidated(events, actor: actor)
            heads.append(try store.head().seq)
        }
        return heads
    }
}

extension ProposedEvent {
    func restreamed(_ stream: String) -> ProposedEvent {
        var copy = self
        copy.stream = stream
        return copy
    }
}
