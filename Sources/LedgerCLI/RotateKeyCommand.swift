import Crypto
import EventLog
import Foundation
import Transparency

/// `oda-ledger rotate-key`: replaces the ledger's signing key, recording the change in the log
/// as a `SigningKeyRotated` event signed by the old key (spec §10), so verifiers who trust the
/// old key follow the rotation to the new one.
///
/// Crash-safe in this order: the new key is written to `signing-key.next.pem` first, then the
/// rotation is appended, then the files are moved into place. Run again after an interruption:
/// a pending key the log already names is put in place; one it does not name was never used and
/// is discarded.
enum RotateKeyCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "rotate-key",
        abstract: "Replace the ledger's signing key; the rotation is recorded in the log, signed by the old key.",
        options: [
            dataOption,
            .init(name: "actor", value: "ID", help: "Who is rotating the key (default: local:<operating-system user>)."),
        ],
        discussion: """
            Generates a new Ed25519 key, appends SigningKeyRotated (stream ledger) carrying the old and new verifier keys
            and the old key's signature (Schemas/ledger-format.md §10), keeps the old key as signing-key.<key id>.pem and
            .vkey, installs the new one as signing-key.pem, .pub.pem and .vkey, and signs a checkpoint with it.
            Checkpoints signed by the old key stay valid; give auditors the new signing-key.vkey for new bundles.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let actor = try Actor(id: arguments["actor"] ?? AppendCommand.defaultActorID())
        let directory = context.dataDirectory(arguments)
        let store = try context.openStore(arguments, access: .readWrite)
        let origin = try store.origin()
        let history = try store.signingKeyHistory(trusting: [])
        let console = context.console

        if FileManager.default.fileExists(atPath: directory.pendingSigningKeyFile) {
            let pending = try LedgerKeys.signer(at: directory.pendingSigningKeyFile, origin: origin)
            if let last = history.chain.last, last.rotation.newKey == pending.verifierKey {
                try install(pending, retiring: last.rotation.previousKey, directory)
                let checkpoint = try store.checkpoint(signer: pending)
                console.print("completed the interrupted rotation recorded at seq \(last.seq): the signing key is now \(pending.verifierKey)")
                console.print("checkpoint of size \(checkpoint.size) signed with it")
                return .success
            }
            try removeUnusedPendingKey(directory)
            console.error("discarded \(directory.pendingSigningKeyFile), a key from an interrupted rotation that was never recorded")
        }

        let current = try LedgerKeys.signer(directory, origin: origin)
        if let expected = history.currentKey, expected != current.verifierKey {
            throw CommandFailure("\(directory.signingKeyFile) holds \(current.verifierKey), but the rotation at seq "
                + "\(history.chain.last?.seq ?? 0) made \(expected) the ledger's key: restore that key as signing-key.pem before rotating")
        }
        let newKey = try NoteSignerKey(name: origin, privateKey: try Ed25519PrivateKey.generate())
        try KeyFile.writeNew(newKey.privateKey.pemRepresentation, to: directory.pendingSigningKeyFile)
        let rotation = try KeyRotation.sign(from: current, to: newKey.verifierKey)
        guard let recorded = try store.append([rotation.proposedEvent], actor: actor).first?.event else {
            throw CommandFailure("the rotation was not recorded; nothing changed (run rotate-key again)")
        }
        try install(newKey, retiring: current.verifierKey, directory)
        let checkpoint = try store.checkpoint(signer: newKey)

        console.print("rotated the signing key of \(origin)")
        console.print("  retired: \(current.verifierKey) (kept as \(directory.retiredSigningKeyFile(current.verifierKey)))")
        console.print("  current: \(newKey.verifierKey) (\(directory.signingKeyFile), \(directory.verifierKeyFile))")
        console.print("recorded at seq \(recorded.seq) as \(KeyRotation.eventType) in stream \(KeyRotation.stream), signed by the retired key")
        console.print("checkpoint of size \(checkpoint.size) signed with the new key")
        return .success
    }

    /// Moves the retired key aside and the pending one into place. Each step is skipped when an
    /// earlier, interrupted run already did it, so this can be repeated safely.
    private static func install(_ new: NoteSignerKey, retiring old: NoteVerifierKey, _ directory: DataDirectory) throws {
        let files = FileManager.default
        let retiredFile = directory.retiredSigningKeyFile(old)
        if files.fileExists(atPath: directory.signingKeyFile) {
            let installed = try LedgerKeys.signer(directory, origin: new.name)
            if installed.verifierKey == old {
                guard !files.fileExists(atPath: retiredFile) else {
                    throw CommandFailure("\(retiredFile) already exists; move it away, then run rotate-key again")
                }
                try move(directory.signingKeyFile, to: retiredFile)
            } else if installed.verifierKey != new.verifierKey {
                throw CommandFailure("\(directory.signingKeyFile) holds neither the retired key \(old) nor the new key "
                    + "\(new.verifierKey); restore the retired key there, then run rotate-key again")
            }
        }
        try TextFile.write(old.encoded + "\n", to: directory.retiredVerifierKeyFile(old), what: "retired verifier key")
        if files.fileExists(atPath: directory.pendingSigningKeyFile) {
            try move(directory.pendingSigningKeyFile, to: directory.signingKeyFile)
        }
        try TextFile.write(new.verifierKey.encoded + "\n", to: directory.verifierKeyFile, what: "verifier key")
        try TextFile.write(new.privateKey.publicKey.pemRepresentation, to: directory.publicKeyFile, what: "public key")
    }

    private static func move(_ source: String, to destination: String) throws {
        guard rename(source, destination) == 0 else {
            throw CommandFailure("cannot rename \(source) to \(destination): \(String(cString: strerror(errno)))")
        }
    }

    private static func removeUnusedPendingKey(_ directory: DataDirectory) throws {
        guard unlink(directory.pendingSigningKeyFile) == 0 else {
            throw CommandFailure("cannot remove \(directory.pendingSigningKeyFile): \(String(cString: strerror(errno)))")
        }
    }
}
