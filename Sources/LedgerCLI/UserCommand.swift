import Foundation
import ODA
import Service

/// `oda-ledger user add|revoke|list`: the people who may use the HTTP service, in
/// `DIR/users.sqlite` (see `UserDirectory`).
enum UserCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "user",
        abstract: "Add, revoke or list the users of the HTTP service and print a new user's bearer token.",
        options: [
            dataOption,
            .init(name: "name", value: "ID", help: "The user name: a-z, 0-9, '.', '_', '-' (add, revoke)."),
            .init(name: "role", value: "ROLE", help: "recorder, approver, inspector, auditor or admin (add)."),
            .init(name: "province", value: "LA-XX", help: "For provincial staff: their province's ISO 3166-2:LA code (add)."),
        ],
        positionals: [.init(name: "ACTION", help: "add, revoke or list.", optional: false)],
        discussion: """
            `add` prints the bearer token once, on standard output; only its HMAC is stored, so a lost token
            cannot be shown again: revoke the user and add a new one. Events the user appends record
            the actor {"id": "user:<name>", "role", "unit": province}.
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
            let token = try users.add(name: name, role: role, province: province)
            context.console.print(token)
            context.console.error("user \(name) added as \(role.rawValue)\(province.map { " of \($0.code)" } ?? ""); the token above is shown only once")
        case "revoke":
            guard let name = arguments["name"] else { throw UsageError(command: spec.name, message: "user revoke needs --name") }
            try users.revoke(name: name)
            context.console.error("user \(name) revoked; their token no longer authenticates")
        case "list":
            for user in try users.list() {
                let status = user.revokedAt.map { "revoked " + $0 } ?? "active"
                context.console.print([user.name, user.role.rawValue, user.province?.code ?? "national", user.createdAt, status]
                    .joined(separator: "\t"))
            }
        case let other:
            throw UsageError(command: spec.name, message: "ACTION must be add, revoke or list; \(other) is not")
        }
        return .success
    }
}
