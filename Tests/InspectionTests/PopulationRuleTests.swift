import CanonicalJSON
import EventLog
import ODA
import XCTest
@testable import Inspection

/// Builds a portfolio of envelopes by hand (seqs in order), for the population rules.
struct PortfolioBuilder {
    private(set) var events: [EventEnvelope] = []
    var seq: Int64 { Int64(events.count) }

    @discardableResult
    mutating func add(_ stream: String, _ type: String, _ payload: JSONObject) -> Int64 {
        let next = seq + 1
        events.append(EventEnvelope(
            seq: next, stream: stream, streamVersion: next, type: type, schemaVersion: 1, payload: payload,
            actor: try! Actor(id: "user:somsack"), recordedAt: Timestamp.parse("2024-05-14T03:00:00.000000Z")!, occurredAt: nil,
            correlationId: nil, causationId: nil, idempotencyKey: nil, prev: .zero))
        return next
    }

    mutating func project(_ id: String, group: String = "SWG-HEALTH", partner: String = "ADB", agency: String = "MOH",
                          provinces: [String] = ["LA-SV"]) {
        add("project:\(id)", "ProjectProposed", ["projectId": .string(id), "developmentPartner": .string(partner),
                                                 "implementingAgency": .string(agency), "sectorWorkingGroup": .string(group)])
        add("project:\(id)", "LocationAllocationRevised", ["allocations": .array(provinces.map {
            ["province": .string($0), "percentage": .string(provinces.count == 1 ? "100" : "50")] })])
    }

    @discardableResult
    mutating func plan(_ id: String, _ amount: String, year: Int = 2023) -> Int64 {
        add("project:\(id)", "AnnualBudgetPlanned", ["budgetLineId": "L1", "periodStart": .string("\(year)-01-01"),
                                                     "periodEnd": .string("\(year)-12-31"), "amount": ["amount": .string(amount), "currency": "USD"]])
    }

    @discardableResult
    mutating func pay(_ id: String, _ type: String = "DisbursementRecorded", amount: String, _ currency: String = "USD",
                      date: String = "2023-06-01", payee: String = "Treasury") -> Int64 {
        add("project:\(id)", type, ["transactionId": "T", "date": .string(date), "payee": .string(payee),
                                    "amount": ["amount": .string(amount), "currency": .string(currency)]])
    }

    func facts() -> PopulationFacts { PopulationFacts(events: events, throughSeq: seq) }
}

final class PopulationRuleTests: XCTestCase {
    private let peer = PeerExecutionRate()

    /// Seven health projects that disbursed 70–82 % of their 2023 plan and one that disbursed 250 %;
    /// a 2024 payment closes the year 2023.
    private func executionPortfolio(peers: Int = 7) -> (PortfolioBuilder, outlierEvidence: [Int64]) {
        var b = PortfolioBuilder()
        for i in 0..<peers {
            b.project("H\(i)")
            b.plan("H\(i)", "1000000")
            b.pay("H\(i)", amount: String(700_000 + 20_000 * i))
        }
        b.project("OUT")
        let plan = b.plan("OUT", "1000000")
        let first = b.pay("OUT", amount: "1500000")
        let second = b.pay("OUT", amount: "1000000", date: "2023-12-20")
        b.pay("H0", amount: "1000", date: "2024-01-15")
        return (b, [plan, first, second])
    }

    func testAPlantedExecutionOutlierIsFlaggedAndItsPeersAreNot() throws {
        let (portfolio, evidence) = executionPortfolio()
        let hits = peer.evaluate(portfolio.facts(), parameters: peer.defaultParameters)
        XCTAssertEqual(hits.map(\.subject), [.portfolio(.project, "OUT")], hits.map(\.explanation).joined(separator: "\n"))
        let hit = try XCTUnwrap(hits.first)
        XCTAssertEqual(hit.evidence, evidence)
        XCTAssertEqual(hit.amount, try Amount("2500000", .usd))
        XCTAssertTrue(hit.explanation.contains("250.0 % of its 2023 plan"), hit.explanation)
        XCTAssertTrue(hit.explanation.contains("sector working group SWG-HEALTH"), hit.explanation)
        XCTAssertTrue(hit.explanation.contains("above the median 76.0 %"), hit.explanation)
    }

    func testBelowTheMinimumPeerCountNothingIsJudged() {
        let (portfolio, _) = executionPortfolio(peers: 4)
        XCTAssertEqual(peer.evaluate(portfolio.facts(), parameters: peer.defaultParameters), [])
        var parameters = peer.defaultParameters
        parameters["minimumPeers"] = 4
        XCTAssertEqual(peer.evaluate(portfolio.facts(), parameters: parameters).map(\.subject), [.portfolio(.project, "OUT")])
    }

    func testTheYearStillRunningIsNotJudged() {
        var (portfolio, _) = executionPortfolio()
        // Without a payment dated after 2023, 2023 may not be over.
        portfolio = PortfolioBuilder(replaying: Array(portfolio.events.dropLast()))
        XCTAssertEqual(peer.evaluate(portfolio.facts(), parameters: peer.defaultParameters), [])
    }

    func testTooSmallADistanceIsNotAbnormalEvenWithTightPeers() {
        var b = PortfolioBuilder()
        for i in 0..<6 {
            b.project("H\(i)")
            b.plan("H\(i)", "1000000")
            b.pay("H\(i)", amount: "800000")
        }
        b.project("NEAR")
        b.plan("NEAR", "1000000")
        b.pay("NEAR", amount: "900000")
        b.pay("H0", amount: "1", date: "2024-02-01")
        // The peers have no spread at all, so only the minimum distance (25 points) guards: 10 points is not abnormal.
        XCTAssertEqual(peer.evaluate(b.facts(), parameters: peer.defaultParameters), [])
        var parameters = peer.defaultParameters
        parameters["minimumDeviationBasisPoints"] = 500
        let hits = peer.evaluate(b.facts(), parameters: parameters)
        XCTAssertEqual(hits.map(\.subject), [.portfolio(.project, "NEAR")])
        XCTAssertTrue(hits.first?.explanation.contains("every peer is at the median") == true, hits.first?.explanation ?? "")
    }

    func testThePartnerGroupStandsInForASmallSectorGroup() {
        var b = PortfolioBuilder()
        for i in 0..<6 {
            b.project("J\(i)", group: "SWG-\(i)", partner: "JICA")
            b.plan("J\(i)", "500000")
            b.pay("J\(i)", amount: String(400_000 + 5_000 * i))
        }
        b.project("JX", group: "SWG-X", partner: "JICA")
        b.plan("JX", "500000")
        b.pay("JX", amount: "20000")
        b.pay("J0", amount: "1", date: "2024-02-01")
        let hits = peer.evaluate(b.facts(), parameters: peer.defaultParameters)
        XCTAssertEqual(hits.map(\.subject), [.portfolio(.project, "JX")])
        XCTAssertTrue(hits.first?.explanation.contains("below the median") == true)
        XCTAssertTrue(hits.first?.explanation.contains("development partner JICA") == true)
    }

    func testPortfolioPayeeConcentrationAcrossProjectsOfAProvince() throws {
        let rule = PortfolioPayeeConcentration()
        var b = PortfolioBuilder()
        var conduit: [Int64] = []
        for (i, project) in ["A", "B", "C"].enumerated() {
            b.project(project, agency: "AG-\(i)")
            for payee in ["North Co", "South Co", "East Co", "West Co"] {
                b.pay(project, "ExpenditureRecorded", amount: "10000", payee: "\(payee)")
            }
            if project != "C" { conduit.append(b.pay(project, "ExpenditureRecorded", amount: "40000", payee: "Conduit Trading")) }
        }
        // A payee that dominates one project only is the per-project rule's business.
        b.project("D", agency: "AG-D", provinces: ["LA-VT"])
        for payee in ["P1", "P2", "P3", "P4"] { b.pay("D", "ExpenditureRecorded", amount: "1000", payee: payee) }
        b.pay("D", "ExpenditureRecorded", amount: "90000", payee: "Solo Builder")
        let hits = rule.evaluate(b.facts(), parameters: rule.defaultParameters)
        XCTAssertEqual(hits.map(\.subject), [.portfolio(.payee, "Conduit Trading")], hits.map(\.explanation).joined(separator: "\n"))
        XCTAssertEqual(hits.first?.evidence, conduit)
        XCTAssertEqual(hits.first?.amount, try Amount("80000", .usd))
        XCTAssertTrue(hits.first?.explanation.contains("40 % of the expenditure of province LA-SV") == true, hits.first?.explanation ?? "")

        var strict = rule.defaultParameters
        strict["minimumPayees"] = 6
        XCTAssertEqual(rule.evaluate(b.facts(), parameters: strict), [], "five payees in LA-SV: below the minimum, nothing judged")
    }

    /// 1,200 payments all led by 9, against 1,200 whose digits follow Benford's law.
    func testBenfordFlagsAnAgencyWhosePaymentsPileUpOnOneDigit() throws {
        let rule = BenfordPopulation(.firstDigit)
        var b = PortfolioBuilder()
        b.project("FAKE", agency: "AG-FAKE")
        b.project("REAL", agency: "AG-REAL")
        b.project("SMALL", agency: "AG-SMALL")
        for i in 0..<1200 {
            b.pay("FAKE", "ExpenditureRecorded", amount: String(9_000 + i % 900))
            // 10^(4 + fractional part of i·φ) is a low-discrepancy Benford sequence.
            let exponent = 4 + (Double(i) * 0.6180339887498949).truncatingRemainder(dividingBy: 1)
            b.pay("REAL", "ExpenditureRecorded", amount: String(Int(pow(10, exponent))))
        }
        for i in 0..<500 { b.pay("SMALL", "ExpenditureRecorded", amount: String(9_000 + i)) }
        let hits = rule.evaluate(b.facts(), parameters: rule.defaultParameters)
        XCTAssertEqual(hits.map(\.subject), [.portfolio(.implementingAgency, "AG-FAKE")], hits.map(\.explanation).joined(separator: "\n"))
        let hit = try XCTUnwrap(hits.first)
        XCTAssertEqual(hit.evidence.count, 50, "50 payments of the over-represented digit")
        XCTAssertTrue(hit.explanation.contains("The 1200 payments"), hit.explanation)
        // The two-digit test needs 3,000 payments (version 2); with the minimum lowered it flags the same agency.
        let twoDigits = BenfordPopulation(.firstTwoDigits)
        XCTAssertEqual(twoDigits.evaluate(b.facts(), parameters: twoDigits.defaultParameters), [])
        var lowered = twoDigits.defaultParameters
        lowered["minimumSample"] = 1000
        XCTAssertEqual(twoDigits.evaluate(b.facts(), parameters: lowered).map(\.subject), [.portfolio(.implementingAgency, "AG-FAKE")])
    }

    func testEvaluatingTheSamePointTwiceGivesTheSameFlagsAndIds() throws {
        var (portfolio, _) = executionPortfolio()
        let first = PopulationEvaluation().flags(for: portfolio.facts())
        let again = PopulationEvaluation().flags(for: PopulationFacts(events: portfolio.events.reversed().reversed(), throughSeq: portfolio.seq))
        XCTAssertEqual(first, again)
        XCTAssertEqual(first.map(\.id), [Flag.id(rule: "peer-execution-rate", subject: .portfolio(.project, "OUT"))])
        // A later point that still sees the outlier keeps its id.
        portfolio.pay("H1", amount: "5", date: "2024-03-01")
        XCTAssertEqual(PopulationEvaluation().flags(for: portfolio.facts()).map(\.id), first.map(\.id))
        // Facts up to an earlier seq ignore what came after.
        XCTAssertEqual(PopulationFacts(events: portfolio.events, throughSeq: 3).projects.count, 1)
    }

    func testRuleConfiguredParametersApplyToPopulationRules() {
        var (portfolio, _) = executionPortfolio()
        portfolio.add("rules", "RuleConfigured", ["ruleId": "peer-execution-rate", "ruleVersion": 1,
                                                 "parameters": ["minimumPeers": 10], "reason": "small sector groups"])
        let facts = portfolio.facts()
        XCTAssertEqual(facts.parameters(for: peer)["minimumPeers"], 10)
        XCTAssertEqual(PopulationEvaluation().flags(for: facts), [])
    }

    func testPortfolioSubjectsHaveTheirOwnKeys() {
        XCTAssertEqual(Subject.portfolio(.payee, "X").key, "payee:X@portfolio")
        XCTAssertEqual(Subject(kind: .payee, name: "X", project: "P1").key, "payee:X@project:P1")
        XCTAssertEqual(Subject.project("P1").key, "project:P1")
        XCTAssertNotEqual(Flag.id(rule: "r", subject: .portfolio(.project, "P1")), Flag.id(rule: "r", subject: .project("P1")))
    }
}

extension PortfolioBuilder {
    init(replaying events: [EventEnvelope]) {
        self.init()
        for e in events { add(e.stream, e.type, e.payload) }
    }
}
