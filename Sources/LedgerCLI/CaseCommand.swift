import Foundation
import EventLog
import Inspection

/// `oda-ledger case ACTION FLAG ...`: an inspector's work on a flag, recorded as events in stream
/// `case:{flagId}` of the same chain. Transitions that make no sense (closing an unworked case,
/// dismissing a closed one, reopening an open one) are refused before anything is written.
enum CaseCommand: LedgerCommand {
    static let actions = ["assign", "comment", "request-information", "dismiss", "escalate", "close", "reopen"]

    static let spec = CommandSpec(
        name: "case",
        abstract: "Act on a flag: assign, comment, request information, dismiss, escalate, close or reopen its case.",
        options: [
            dataOption,
            .init(name: "actor", value: "ID", help: "Who acts (default: local:<operating-system user>)."),
            .init(name: "to", value: "WHO", help: "assign: the inspector; escalate: to whom."),
            .init(name: "from", value: "WHO", help: "request-information: who is asked."),
            .init(name: "note", value: "TEXT", help: "assign: an optional note."),
            .init(name: "text", value: "TEXT", help: "comment, request-information, dismiss, close: the text (required)."),
            .init(name: "reason", value: "TEXT|CODE", help: "dismiss: the reason code ("
                + DismissalReason.allCases.map(\.rawValue).joined(separator: ", ") + "); escalate, reopen: why."),
            .init(name: "outcome", value: "O", help: "close: substantiated, unsubstantiated or referred."),
        ],
        positionals: [
            .init(name: "ACTION", help: actions.joined(separator: ", "), optional: false),
            .init(name: "FLAG", help: "The flag id (see `oda-ledger flags`).", optional: false),
        ])

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let flagId = arguments.positionals[1]
        let action = try parse(arguments.positionals[0], arguments)
        let actor = try Actor(id: arguments["actor"] ?? AppendCommand.defaultActorID())
        let store = try context.openStoreForAppending(arguments)
        do {
            let (seq, status) = try store.recordCaseAction(action, flagId: flagId, actor: actor)
            context.console.print("case \(flagId): \(action.verb) recorded at seq \(seq); the case is now \(status.rawValue)")
            return .success
        } catch let error as CaseError {
            throw CommandFailure("\(error); nothing was recorded")
        }
    }

    private static func parse(_ verb: String, _ arguments: ParsedArguments) throws(UsageError) -> CaseAction {
        func required(_ name: String, _ what: String) throws(UsageError) -> String {
            guard let value = arguments[name], !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw UsageError(command: spec.name, message: "case \(verb) needs --\(name) (\(what))")
            }
            return value
        }
        switch verb {
        case "assign":
            return .assign(to: try required("to", "the inspector"), note: arguments["note"])
        case "comment":
            return .comment(try required("text", "the comment"))
        case "request-information":
            return .requestInformation(from: try required("from", "who is asked"), text: try required("text", "what is asked"))
        case "dismiss":
            let code = try required("reason", "a reason code")
            guard let reason = DismissalReason(rawValue: code) else {
                throw UsageError(command: spec.name, message: "--reason must be one of "
                    + DismissalReason.allCases.map(\.rawValue).joined(separator: ", ") + ", not \(code)")
            }
            return .dismiss(reason, text: try required("text", "why, in words"))
        case "escalate":
            return .escalate(to: try required("to", "to whom"), reason: try required("reason", "why"))
        case "close":
            let text = try required("outcome", "substantiated, unsubstantiated or referred")
            guard let outcome = CaseOutcome(rawValue: text) else {
                throw UsageError(command: spec.name, message: "--outcome must be substantiated, unsubstantiated or referred, not \(text)")
            }
            return .close(outcome, text: try required("text", "the conclusion"))
        case "reopen":
            return .reopen(reason: try required("reason", "why"))
        default:
            throw UsageError(command: spec.name, message: "unknown action \(verb); expected one of \(actions.joined(separator: ", "))")
        }
    }
}
