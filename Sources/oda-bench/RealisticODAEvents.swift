import CanonicalJSON
import EventLog
import Foundation

/// A deterministic, realistic ODA event stream for the projection figures: the catalogue's event
/// types in the proportions of a working portfolio, on projects whose histories interleave.
///
/// Projects come in cohorts of `cohort` that run side by side, so consecutive events belong to
/// different projects (as in a ledger fed by many offices), and each project's history follows
/// its lifecycle: proposed, approved, activated, sector and province allocations, a financing
/// agreement, three annual budget lines, then its running business. Of that, four events in ten
/// are expenditures (payee, invoice, approver), three disbursements, one a commitment, one a
/// counterpart contribution, and one in ten a rarer event in rotation: a budget revision, the
/// reversal of one of the project's disbursements, a financing agreement amendment, a revision of
/// dates, or an exchange rate recorded on its own `fx:` stream.
///
/// `seq` of event `i` is `i + 1` in a fresh ledger, which is how a reversal names its target.
enum RealisticODAEvents {
    static let cohort = 200
    /// Events per project in a full cohort.
    static let eventsPerProject = 500
    private static let lifecycleLength = 9
    private static let partners = ["XM-DAC-41114", "XM-DAC-46004", "XM-DAC-701-8", "XM-DAC-3-1", "XM-DAC-918-3"]
    private static let agencies = ["LA-MPWT", "LA-MOH", "LA-MOES", "LA-MAF", "LA-MONRE"]
    private static let groups = ["infrastructure", "health", "education", "agriculture", "natural-resources"]
    private static let provinces = ["LA-VT", "LA-SV", "LA-SL", "LA-CH", "LA-LP", "LA-XA", "LA-OU", "LA-AT"]
    private static let sectors = ["14030", "14031", "12220", "11220", "31120", "41010"]
    private static let payees = ["Savan Drilling Co., Ltd.", "Vientiane Consulting Sole Co.", "Lao Pharma Supply",
                                 "Champasak Builders", "Provincial Water Office"]

    static func projectID(_ project: Int) -> String { "LA-MPI-2026-\(String(format: "%05d", project))" }

    /// Event `i` of the stream.
    static func event(_ i: Int) -> ProposedEvent {
        let perCohort = cohort * eventsPerProject
        let group = i / perCohort, j = i % perCohort
        let project = group * cohort + j % cohort
        let k = j / cohort
        let id = projectID(project)
        let stream = "project:" + id
        func make(_ type: String, _ payload: JSONObject, on name: String = stream) -> ProposedEvent {
            try! ProposedEvent(stream: name, type: type, payload: payload)
        }
        func money(_ cents: Int, _ currency: String) -> JSONValue {
            currency == "LAK"
                ? ["amount": .string("\(cents * 200)"), "currency": "LAK"]
                : ["amount": .string("\(cents / 100).\(String(format: "%02d", cents % 100))"), "currency": .string(currency)]
        }
        let partner = partners[project % partners.count]
        let year = 2024 + k / 200
        let date = "\(year)-\(String(format: "%02d", 1 + k % 12))-\(String(format: "%02d", 1 + (i / 7) % 28))"
        switch k {
        case 0:
            return make("ProjectProposed", [
                "projectId": .string(id), "title": .string("Rural water supply and sanitation, phase \(project % 4 + 1)"),
                "developmentPartner": .string(partner), "implementingAgency": .string(agencies[project % agencies.count]),
                "plannedStartDate": "2024-01-01", "plannedEndDate": "2028-12-31",
                "estimatedCost": money(125_000_000 + project * 1_000, "USD"),
                "sectorWorkingGroup": .string(groups[project % groups.count]),
            ])
        case 1:
            return make("ProjectApproved", ["approvingAuthority": .string(["Government", "MPI", "MoFA"][project % 3]),
                                             "approvalReference": .string("MPI/DIC/2024/\(project)"), "approvalDate": "2024-02-15"])
        case 2:
            return make("ProjectStatusChanged", ["from": "approved", "to": "active", "effectiveDate": "2024-03-01",
                                                  "reason": "Inception workshop held; project office open",
                                                  "decisionReference": .string("LA-MPWT/2024/\(project)")])
        case 3:
            let first = sectors[project % sectors.count], second = sectors[(project + 1) % sectors.count]
            return make("SectorAllocationRevised", ["allocations": [["sector": .string(first), "percentage": "66.6667"],
                                                                     ["sector": .string(second), "percentage": "33.3333"]],
                                                     "reason": "Split between the two sectors the project serves"])
        case 4:
            let first = provinces[project % provinces.count], second = provinces[(project + 3) % provinces.count]
            return make("LocationAllocationRevised", ["allocations": [["province": .string(first), "percentage": "60"],
                                                                       ["province": .string(second), "percentage": "40"]]])
        case 5:
            return make("FinancingAgreementSigned", ["agreementId": .string("GA-\(project)"), "developmentPartner": .string(partner),
                                                      "signedDate": "2024-02-20", "amount": money(100_000_000, "USD"),
                                                      "instrument": .string(project % 3 == 0 ? "loan" : "grant")])
        case 6, 7, 8:
            let budgetYear = 2024 + k - 6
            return make("AnnualBudgetPlanned", ["budgetLineId": .string("BL-\(k - 5)"), "periodStart": .string("\(budgetYear)-01-01"),
                                                 "periodEnd": .string("\(budgetYear)-12-31"), "amount": money(30_000_000, "USD"),
                                                 "description": "Wells and hand pumps"])
        default:
            break
        }
        let amount = 10_000 + (i * 7919) % 5_000_000
        let transactionID = "\(i)"
        switch k % 10 {
        case 0, 1, 2, 3:
            return make("ExpenditureRecorded", [
                "transactionId": .string("E-" + transactionID), "date": .string(date),
                "amount": money(amount, k % 20 < 4 ? "LAK" : "USD"), "payee": .string(payees[(i / 3) % payees.count]),
                "invoiceNumber": .string("INV-\(i)"), "approvedBy": "user:khamla",
            ])
        case 4, 5, 6:
            return make("DisbursementRecorded", [
                "transactionId": .string("D-" + transactionID), "date": .string(date), "amount": money(amount * 10, "USD"),
                "provider": .string(partner), "receiver": .string(agencies[project % agencies.count]),
                "reference": .string("PAY-\(i)"),
            ])
        case 7:
            return make("CommitmentRecorded", ["transactionId": .string("C-" + transactionID), "date": .string(date),
                                               "amount": money(amount * 20, "USD"), "provider": .string(partner),
                                               "agreementId": .string("GA-\(project)")])
        case 8:
            return make("CounterpartContributionRecorded", [
                "transactionId": .string("CP-" + transactionID), "kind": .string(k % 20 < 10 ? "planned" : "actual"),
                "fiscalYear": .integer(Int64(year)), "amount": money(amount, "LAK"), "inKind": true,
                "description": "Office space and staff time at the provincial office",
            ])
        default:
            break
        }
        switch (k / 10) % 5 {
        case 0:
            let line = 1 + (k / 10) % 3
            return make("AnnualBudgetRevised", ["budgetLineId": .string("BL-\(line)"), "periodStart": .string("\(2023 + line)-01-01"),
                                                 "newAmount": money(28_000_000 + k * 100, "USD"),
                                                 "previousAmount": money(30_000_000, "USD"),
                                                 "decisionReference": .string("PSC-\(year)-\(k)"), "reason": "Mid-year review"])
        case 1:
            // Event k - 3 of the same project is a disbursement (k % 10 == 6).
            let target = group * perCohort + (k - 3) * cohort + j % cohort
            return make("TransactionReversed", ["reversedSeq": .integer(Int64(target + 1)),
                                                 "reason": "Disbursement recorded twice from the same bank advice",
                                                 "decisionReference": .string("DIC-CORR-\(year)-\(i)")])
        case 2:
            return make("FinancingAgreementAmended", ["agreementId": .string("GA-\(project)"),
                                                       "newAmount": money(100_000_000 + k * 1_000, "USD"),
                                                       "previousAmount": money(100_000_000, "USD"),
                                                       "amendmentReference": .string("AMD-\(project)-\(k)")])
        case 3:
            return make("ProjectDatesRevised", ["startDate": "2024-01-01", "endDate": .string("\(2028 + k / 100)-12-31"),
                                                 "reason": "Extension agreed at the steering committee"])
        default:
            return make("ExchangeRateRecorded", ["baseCurrency": "USD", "quoteCurrency": "LAK",
                                                  "rate": .string("\(20_000 + i % 997).\(i % 100)"), "effectiveDate": .string(date),
                                                  "source": "Bank of the Lao PDR reference rate"], on: "fx:LAK")
        }
    }
}
