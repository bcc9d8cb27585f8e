import Crypto
import EventLog
import Transparency

/// `oda-ledger cosign`: the auditor's step of C2SP tlog-cosignature. The auditor checks that the
/// checkpoint is the ledger's (signed by its key, held by the ledger, matching its tree) and
/// consistent with the last checkpoint they cosigned, then adds a `cosignature/v1` line.
enum CosignCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "cosign",
        abstract: "As an auditor, check a checkpoint (and its consistency with your previous one) and add your cosignature.",
        options: [
            dataOption,
            .init(name: "checkpoint", value: "FILE", help: "The ledger's signed checkpoint to cosign (required)."),
            .init(name: "key", value: "AUDITOR_KEY.pem", help: "Your Ed25519 private key, mode 0600; `oda-ledger keygen` makes one (required)."),
            .init(name: "name", value: "NAME", help: "Your cosigner name, e.g. audit.sao.gov.la (required)."),
            .init(name: "previous", value: "OLD_CHECKPOINT",
                  help: "The last checkpoint you cosigned: the new one must extend it (RFC 9162 consistency proof)."),
            .init(name: "ledger-key", value: "VKEY|FILE",
                  help: "The ledger's verifier key you trust (default: DIR/signing-key.vkey and retired keys)."),
            .init(name: "out", value: "FILE", help: "Also write the cosigned note to FILE."),
        ],
        discussion: """
            Refuses (exit 1) a checkpoint not signed by the ledger's key, one the ledger does not hold or holds with
            another body, one whose root is not the ledger's, or one that does not extend --previous: a fork or a
            rewritten history is never cosigned. The cosignature (Schemas/ledger-format.md §7) is stored in the ledger,
            and the note with every cosignature is printed. Checking a cosignature needs the cosigner verifier key
            that `oda-ledger keygen` printed.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let checkpointPath = arguments["checkpoint"], let keyPath = arguments["key"], let name = arguments["name"] else {
            throw UsageError(command: spec.name, message: "--checkpoint, --key and --name are required")
        }
        let auditorKey: Ed25519PrivateKey
        do {
            auditorKey = try Ed25519PrivateKey(pemRepresentation: try KeyFile.readSecret(at: keyPath))
        } catch {
            throw CommandFailure("cannot load the auditor key: \(error)")
        }
        let cosigner: CosignatureVerifierKey
        do {
            cosigner = try CosignatureVerifierKey(name: name, publicKey: auditorKey.publicKey)
        } catch {
            throw UsageError(command: spec.name, message: "--name: \(error)")
        }
        let directory = context.dataDirectory(arguments)
        let store = try context.openStore(arguments, access: .readWrite)
        let origin = try store.origin()
        guard name != origin else {
            throw UsageError(command: spec.name, message: "--name must be your own name, not the ledger's origin \(origin)")
        }
        return try reportingIntegrity(context) {
            let history = try LedgerKeys.history(store, directory, key: arguments["ledger-key"], option: "ledger-key")
            let checkpoint = try TrustedCheckpoint.read(checkpointPath, option: "checkpoint", origin: origin, trusting: history.trusted)
            if let previousPath = arguments["previous"] {
                let previous = try TrustedCheckpoint.read(previousPath, option: "previous", origin: origin, trusting: history.trusted)
                try requireConsistent(previous, checkpoint, store)
            }
            guard let stored = try store.storedCheckpoint(size: checkpoint.size) else {
                throw CommandFailure("the ledger holds no checkpoint of size \(checkpoint.size); cosign one that "
                    + "`oda-ledger checkpoint --list` shows")
            }
            let storedText = try SignedNote.parse(stored.note).text
            guard storedText == checkpoint.checkpoint.body else {
                throw IntegrityFailure("the ledger's own checkpoint of size \(checkpoint.size) has root \(stored.root.hex), not the "
                    + "\(checkpoint.root.hex) of \(checkpointPath): two signed views of the ledger (a fork); not cosigned")
            }
            try checkpoint.requireMatches(store, what: "the checkpoint \(checkpointPath)")

            let time = UInt64(max(0, Timestamp.now().microsecondsSinceEpoch / 1_000_000))
            let line = try Cosignature.cosign(checkpoint: checkpoint.checkpoint, name: name, key: auditorKey, time: time)
            let cosigned = try store.addCosignature(line, by: cosigner, size: checkpoint.size)
            if !cosigned.note.contains(line.line) {
                context.console.error("\(name) had already cosigned the checkpoint of size \(checkpoint.size); that cosignature is kept")
            }
            if let out = arguments["out"] { try TextFile.write(cosigned.note, to: out, what: "cosigned checkpoint") }
            context.console.print(String(cosigned.note.dropLast()))
            context.console.error("cosigned the checkpoint of size \(checkpoint.size) as \(cosigner)")
            return .success
        }
    }

    /// The ledger's consistency proof from `previous` to `checkpoint`, verified against their
    /// signed roots: the auditor's own check that the ledger only grew between the two.
    private static func requireConsistent(_ previous: TrustedCheckpoint, _ checkpoint: TrustedCheckpoint, _ store: EventStore) throws {
        guard previous.size <= checkpoint.size else {
            throw IntegrityFailure("the previous checkpoint has \(previous.size) events, more than this one's \(checkpoint.size): "
                + "the ledger would have shrunk; not cosigned")
        }
        do {
            let proof = try store.consistencyProof(from: previous.size, to: checkpoint.size)
            try MerkleVerification.verifyConsistency(
                oldSize: UInt64(previous.size), newSize: UInt64(checkpoint.size), oldRoot: previous.root, newRoot: checkpoint.root,
                proof: proof, using: try SHA256Hasher())
        } catch let error as MerkleProofError {
            throw IntegrityFailure("the checkpoint does not extend the previous one (\(error)): a fork or a rewritten history; not cosigned")
        } catch let error as ProofRequestError {
            throw IntegrityFailure("no consistency proof from the previous checkpoint: \(error); not cosigned")
        }
    }
}
