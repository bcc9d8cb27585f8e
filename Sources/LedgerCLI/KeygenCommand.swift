import Crypto
import Transparency

/// `oda-ledger keygen`: an Ed25519 key for an auditor who cosigns checkpoints.
enum KeygenCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "keygen",
        abstract: "Make an auditor's Ed25519 key: a private PEM file (mode 0600) and the cosigner verifier key.",
        options: [
            .init(name: "out", value: "FILE", help: "Where to write the private key; never overwritten (required)."),
            .init(name: "name", value: "NAME", help: "The cosigner name the key will sign as, e.g. audit.sao.gov.la (required)."),
        ],
        discussion: """
            Prints the cosigner verifier key (C2SP type 0x04: name+keyid+base64), which others need to check your
            cosignatures. Keep the private key off the ledger's server.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let out = arguments["out"], let name = arguments["name"] else {
            throw UsageError(command: spec.name, message: "--out and --name are required")
        }
        let key = try Ed25519PrivateKey.generate()
        let verifier: CosignatureVerifierKey
        do {
            verifier = try CosignatureVerifierKey(name: name, publicKey: key.publicKey)
        } catch {
            throw UsageError(command: spec.name, message: "--name: \(error)")
        }
        try KeyFile.writeNew(key.pemRepresentation, to: out)
        context.console.print(verifier.encoded)
        context.console.error("private key written to \(out) (mode 0600); the line above is your cosigner verifier key")
        return .success
    }
}
