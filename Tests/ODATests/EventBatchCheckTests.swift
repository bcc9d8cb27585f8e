import CanonicalJSON
import EventLog
import XCTest
@testable import ODA

/// Case events and `RuleConfigured` are in the catalogue but recorded only with a check that
/// handles them: without one the validator refuses them; with one, the check sees the batch
/// after the schemas passed and its refusal stops everything.
final class EventBatchCheckTests: XCTestCase {
    /// Refuses a CaseClosed whose text says "refuse", counting what it was shown.
    final class Recorder: EventBatchCheck, @unchecked Sendable {
        var seen: [[String]] = []
        let handledTypes: Set<String> = ["CaseAssigned", "CaseCommented", "CaseInformationRequested", "CaseDismissed", "CaseEscalated",
                                         "CaseClosed", "CaseReopened", "RuleConfigured"]
        func check(_ events: [ProposedEvent], store: EventStore) throws(ValidationError) {
            seen.append(events.map(\.type))
            if let index = events.firstIndex(where: { $0.payload["text"]?.stringValue == "refuse" }) {
                throw ValidationError(index: index, pointer: "/payload/text", rule: "refused by the check")
            }
        }
    }

    func testWithoutAHandlingCheckCaseAndRuleEventsAreRefused() throws {
        let ledger = try TemporaryLedger()
        for type in ["CaseDismissed", "RuleConfigured"] {
            assertRefused([try Repository.example(type)], in: ledger, pointer: "/type", rule: "only with the Inspection module's checks")
        }
    }

    func testAHandlingCheckSeesTheValidatedBatchAndCanRefuseIt() throws {
        let ledger = try TemporaryLedger()
        let recorder = Recorder()
        let validator = EventValidator(additionalChecks: [recorder])
        // The schema comes first: a bad reason code never reaches the check.
        assertRefused([try Repository.example("CaseDismissed").editing { $0["reasonCode"] = "because" }], in: ledger,
                      validator: validator, pointer: "/payload/reasonCode", rule: "must be one of")
        XCTAssertEqual(recorder.seen, [])
        // The flag id must be the stream's.
        assertRefused([try Repository.example("CaseCommented").editing { $0["flagId"] = .string(String(repeating: "b", count: 32)) }],
                      in: ledger, validator: validator, pointer: "/payload/flagId", rule: "must name the stream's id")
        assertRefused([try Repository.example("CaseCommented"), try Repository.example("CaseClosed").editing { $0["text"] = "refuse" }],
                      in: ledger, validator: validator, index: 1, pointer: "/payload/text", rule: "refused by the check")
        XCTAssertEqual(recorder.seen.last, ["CaseCommented", "CaseClosed"])
        let outcomes = try ledger.store.appendValidated([try Repository.example("CaseAssigned"), try Repository.example("RuleConfigured")],
                                                        actor: proposer, validator: validator)
        XCTAssertEqual(outcomes.map(\.event.envelope.stream), ["case:3f9a1c0d5e7b2468ace13579bdf02468", "rules"])
        XCTAssertEqual(outcomes.first?.event.envelope.streamVersion, 1)
    }

    func testRuleConfiguredGoesOnTheOneRulesStream() throws {
        let ledger = try TemporaryLedger()
        var event = try Repository.example("RuleConfigured")
        event = try ProposedEvent(stream: "rules:x", type: event.type, payload: event.payload)
        assertRefused([event], in: ledger, validator: EventValidator(additionalChecks: [Recorder()]), pointer: "/stream",
                      rule: "RuleConfigured events belong on streams named rules; rules:x is not one")
    }
}
