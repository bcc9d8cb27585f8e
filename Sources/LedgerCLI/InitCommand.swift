import Crypto
import EventLog
import Foundation
import Transparency

/// `oda-ledger init`: a new ledger file, its Ed25519 signing key, and the verifier key
/// (`signing-key.vkey`, spec §7) that auditors copy to check checkpoints and proofs.
enum InitCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "init",
        abstract: "Create a new ledger (SQLite file and Ed25519 signing key) in the data directory.",
        options: [dataOption],
        discussion: """
            Refuses to touch a directory that already holds a ledger or a key. The key file is created with mode 0600.
            signing-key.vkey holds the verifier key (name+keyid+base64) that auditors keep to check checkpoints and proofs.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let directory = context.dataDirectory(arguments)
        let files = [directory.ledgerFile, directory.signingKeyFile, directory.publicKeyFile, directory.verifierKeyFile]
        if let existing = files.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw CommandFailure("\(existing) already exists; refusing to overwrite an existing ledger or key")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory.path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CommandFailure("cannot create the data directory \(directory.path): \(error.localizedDescription)")
        }
        let key = try Ed25519PrivateKey.generate()
        try KeyFile.writeNew(key.pemRepresentation, to: directory.signingKeyFile)
        try KeyFile.writeNew(key.publicKey.pemRepresentation, to: directory.publicKeyFile)
        let store = try EventStore.create(at: directory.ledgerFile)
        let verifierKey = try NoteVerifierKey(name: try store.origin(), publicKey: key.publicKey)
        try TextFile.write(verifierKey.encoded + "\n", to: directory.verifierKeyFile, what: "verifier key")
        context.console.print("created ledger \(directory.ledgerFile)")
        context.console.print("signing key \(directory.signingKeyFile) (mode 0600; keep it secret and backed up)")
        context.console.print("public key \(directory.publicKeyFile)")
        context.console.print("verifier key \(directory.verifierKeyFile): \(verifierKey.encoded)")
        return .success
    }
}
