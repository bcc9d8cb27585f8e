import CanonicalJSON
import XCTest
@testable import Inspection

/// The case workflow: what each status allows, and the round trip of actions through payloads.
final class CaseStateTests: XCTestCase {
    func testAWorkedCaseCanBeClosedAndReopened() throws {
        var state = CaseState()
        try state.apply(.comment("looks like a double entry"))
        try state.apply(.assign(to: "user:inspector1", note: nil))
        XCTAssertEqual(state.status, .assigned)
        try state.apply(.requestInformation(from: "LA-MPWT", text: "both invoices and the bank advice"))
        XCTAssertEqual(state.status, .assigned)
        try state.apply(.escalate(to: "DOI director", reason: "amount above 1 billion kip"))
        XCTAssertEqual(state.status, .escalated)
        try state.apply(.close(.referred, text: "sent to the State Audit Organization"))
        XCTAssertEqual(state.status, .closed)
        try state.apply(.comment("SAO acknowledged"))
        try state.apply(.reopen(reason: "new evidence"))
        XCTAssertEqual(state.status, .open)
        XCTAssertNil(state.assignee)
        XCTAssertEqual(state.actions, 7)
    }

    func testTransitionsThatMakeNoSenseAreRefused() throws {
        var state = CaseState()
        XCTAssertThrowsError(try state.apply(.close(.substantiated, text: "x"))) { error in
            XCTAssertEqual((error as? CaseTransitionError)?.description,
                           "cannot close a case that is open: assign or escalate it before closing it with an outcome, or dismiss it")
        }
        XCTAssertThrowsError(try state.apply(.reopen(reason: "x")))
        try state.apply(.dismiss(.belowMateriality, text: "12 USD"))
        for action: CaseAction in [.requestInformation(from: "f", text: "t"), .dismiss(.duplicateAlert, text: "x"), .assign(to: "u", note: nil), .escalate(to: "d", reason: "r"),
                                   .close(.unsubstantiated, text: "x")] {
            XCTAssertThrowsError(try state.apply(action), action.verb)
        }
        XCTAssertEqual(state.status, .dismissed)
        try state.apply(.reopen(reason: "materiality threshold lowered"))
        try state.apply(.assign(to: "u", note: nil))
        XCTAssertThrowsError(try state.apply(.assign(to: "u", note: nil)), "already assigned to u")
    }

    func testActionsRoundTripThroughTheirEventPayloads() {
        let actions: [CaseAction] = [
            .assign(to: "user:a", note: "urgent"), .assign(to: "user:a", note: nil), .comment("c"), .requestInformation(from: "f", text: "t"),
            .dismiss(.ruleMisSpecified, text: "t"), .escalate(to: "d", reason: "r"), .close(.substantiated, text: "t"), .reopen(reason: "r"),
        ]
        for action in actions {
            XCTAssertEqual(CaseAction(type: action.eventType, payload: action.payload), action)
            XCTAssertTrue(CaseAction.eventTypes.contains(action.eventType))
        }
        XCTAssertNil(CaseAction(type: "CaseDismissed", payload: ["reasonCode": "because", "text": "t"]))
    }
}
