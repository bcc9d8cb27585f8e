import CanonicalJSON
import EventLog
import Foundation
import ODA
import Service

/// `oda-ledger user add|renew|revoke|list`: the people who may use the HTTP service, in
/// `DIR/users.sqlite` (see `UserDirectory`).
enum UserCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "user",
        abstract: "Add, renew, revoke or list the users of the HTTP service and print a new bearer token.",
        options: [
            dataOption,
            .init(name: "name", value: "ID", help: "The user name: a-z, 0-9, '.', '_', '-' (add, revoke)."),
            .init(name: "role", value: "ROLE", help: "recorder, approver, inspector, auditor or admin (add)."),
            .init(name: "province", value: "LA-XX", help: "For provincial staff: their province's ISO 3166-2:LA code (add)."),
            .init(name: "reason", value: "TEXT", help: "Why access is granted or revoked, recorded in the ledger (add, revoke)."),
            .init(name: "expires-in", value: "DAYS", help: "How long the token is valid (add, renew; default 90, at most 3650)."),
        ],
        positionals: [.init(name: "ACTION", help: "add, renew, revoke or list.", optional: false)],
        discussion: """
            `add` prints the bearer token once, on standard output; only its HMAC is stored, so a lost token
            cannot be shown again: `renew` gives the user a new token (the old one stops working at once).
            Tokens expire after --expires-in DAYS (default 90); the server answers an expired token with 401
            naming the user and the expiry, and `renew` issues a new one. Events the user appends record
            the actor {"id": "user:<name>", "role", "unit": province}. `add` and `revoke` also append a
            UserRoleGranted / UserRoleRevoked event to stream user:<name>, recorded by the operating-system user;
            if that append fails, the user is not added or revoked.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let directory = context.dataDirectory(arguments)
        guard FileManager.default.fileExists(atPath: directory.ledgerFile) else {
            throw CommandFailure("no ledger in \(directory.path); create one with `oda-ledger init --data \(directory.path)`")
        }
        let users = try UserDirectory(dataDirectory: directory.path)
        switch arguments.positionals[0] {
        case "add":
            guard let name = arguments["name"], let roleText = arguments["role"] else {
                throw UsageError(command: spec.name, message: "user add needs --name and --role")
            }
            guard let role = Role(rawValue: roleText) else {
                throw UsageError(command: spec.name, message: "--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")); \(roleText) is not")
            }
            var province: Province?
            if let code = arguments["province"] {
                guard let value = Province(rawValue: code) else {
                    throw UsageError(command: spec.name, message: "--province must be an ISO 3166-2:LA code such as LA-VT; \(code) is not")
                }
                province = value
            }
            let reason = arguments["reason"] ?? "added with oda-ledger user add"
            let days = try validity(arguments)
            let token = try users.add(name: name, role: role, province: province, validForDays: days) {
                try record("UserRoleGranted", name: name, role: role, province: province, reason: reason, arguments, context)
            }
            context.console.print(token)
            let expiry = try users.list().first { $0.name == name }?.expiresAt ?? "in \(days) days"
            context.console.error("user \(name) added as \(role.rawValue)\(province.map { " of \($0.code)" } ?? ""); the token above is shown only once and expires \(expiry)")
        case "renew":
            guard let name = arguments["name"] else { throw UsageError(command: spec.name, message: "user renew needs --name") }
            let (token, user) = try users.renew(name: name, validForDays: try validity(arguments))
            context.console.print(token)
            context.console.error("user \(name) has a new token, shown only once, valid until \(user.expiresAt ?? "-"); the previous token no longer authenticates")
        case "revoke":
            guard let name = arguments["name"] else { throw UsageError(command: spec.name, message: "user revoke needs --name") }
            let reason = arguments["reason"] ?? "revoked with oda-ledger user revoke"
            try users.revoke(name: name) { user in
                try record("UserRoleRevoked", name: name, role: user.role, province: user.province, reason: reason, arguments, context)
            }
            context.console.error("user \(name) revoked; their token no longer authenticates")
        case "list":
            for user in try users.list() {
                let status = user.revokedAt.map { "revoked " + $0 } ?? "active"
                context.console.print([user.name, user.role.rawValue, user.province?.code ?? "national", user.createdAt,
                                       user.expiresAt.map { "expires " + $0 } ?? "no expiry (renew to set one)", status]
                    .joined(separator: "\t"))
            }
        case let other:
            throw UsageError(command: spec.name, message: "ACTION must be add, renew, revoke or list; \(other) is not")
        }
        return .success
    }

    /// `--expires-in DAYS`, 1 to 3650, default 90.
    static func validity(_ arguments: ParsedArguments) throws -> Int {
        guard let text = arguments["expires-in"] else { return UserDirectory.defaultValidityDays }
        guard let days = Int(text), (1 ... UserDirectory.maximumValidityDays).contains(days) else {
            throw UsageError(command: spec.name, message: "--expires-in must be a number of days from 1 to \(UserDirectory.maximumValidityDays); \(text) is not")
        }
        return days
    }

    /// Appends the grant or revocation to the ledger, validated like any event, as the operating-system user.
    static func record(_ type: String, name: String, role: Role, province: Province?, reason: String,
                       _ arguments: ParsedArguments, _ context: CommandContext) throws {
        var payload = JSONObject()
        payload["userId"] = .string(name)
        payload["role"] = .string(role.rawValue)
        if let province { payload["unit"] = .string(province.code) }
        payload["reason"] = .string(reason)
        let event = try ProposedEvent(stream: "user:" + name, type: type, payload: payload)
        let store = try context.openStoreForAppending(arguments)
        let policy = ValidationPolicy(allowsSelfApproval: try LedgerConfig.load(context.dataDirectory(arguments)).allowsSelfApproval)
        do {
            _ = try store.appendValidated([event], actor: try Actor(id: AppendCommand.defaultActorID()), validator: EventValidator(policy: policy))
        } catch let error as ValidationError {
            throw CommandFailure("\(type) \(error); the user directory was not changed")
        }
    }
}
