import EventLog
import Transparency

/// `oda-ledger prove`: proof bundles (spec §8) that an auditor checks offline with nothing but
/// the ledger's verifier key.
enum ProveCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "prove",
        abstract: "Write a proof bundle: an event's inclusion in a checkpoint, or two checkpoints' consistency.",
        options: [
            dataOption,
            .init(name: "seq", value: "N", help: "Prove that the event at seq N is in a signed checkpoint."),
            .init(name: "checkpoint", value: "FILE",
                  help: "With --seq: the checkpoint to prove against (default: the smallest stored one covering N, signed now if none does)."),
            .init(name: "from-checkpoint", value: "OLD", help: "Prove that the tree of checkpoint OLD is a prefix of NEW's."),
            .init(name: "to-checkpoint", value: "NEW", help: "With --from-checkpoint: the newer checkpoint (default: a checkpoint of the ledger now)."),
            .init(name: "out", value: "FILE", help: "Write the bundle to FILE (replaced atomically) instead of standard output."),
        ],
        discussion: """
            Two forms: oda-ledger prove --seq N [--checkpoint FILE] [--data DIR] [--out FILE]
                       oda-ledger prove --from-checkpoint OLD [--to-checkpoint NEW] [--data DIR] [--out FILE]
            A bundle (Schemas/ledger-format.md §8) is checked offline with the verifier key of the key that signed its
            checkpoint, e.g. `python3 Tools/verify_ledger.py bundle BUNDLE.json --key DIR/signing-key.vkey`.
            Checkpoint files must be signed by this ledger's key (or one its recorded rotations lead to) and agree with
            the ledger; otherwise nothing is written and the exit code is 1. Every bundle is verified before it is written.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let seq = try arguments.integer("seq", command: spec.name, minimum: 1)
        let from = arguments["from-checkpoint"]
        guard (seq == nil) != (from == nil) else {
            throw UsageError(command: spec.name, message: seq == nil
                ? "say what to prove: --seq N (inclusion) or --from-checkpoint OLD (consistency)"
                : "--seq and --from-checkpoint prove different things; give one of them")
        }
        if seq != nil, arguments["to-checkpoint"] != nil {
            throw UsageError(command: spec.name, message: "--to-checkpoint goes with --from-checkpoint; with --seq use --checkpoint")
        }
        if from != nil, arguments["checkpoint"] != nil {
            throw UsageError(command: spec.name, message: "--checkpoint goes with --seq; with --from-checkpoint use --to-checkpoint")
        }
        return try reportingIntegrity(context) {
            let ledger = try ProvingLedger(arguments, context)
            let bundle: ProofBundle
            let summary: String
            if let seq {
                (bundle, summary) = try inclusion(seq: seq, checkpoint: arguments["checkpoint"], ledger)
            } else if let from {
                (bundle, summary) = try consistency(from: from, to: arguments["to-checkpoint"], ledger)
            } else {
                preconditionFailure("checked above: exactly one of --seq and --from-checkpoint")
            }
            let signers: [NoteVerifierKey]
            do {
                signers = try bundle.verify(trusting: ledger.history.trusted)
            } catch {
                throw IntegrityFailure("the bundle built from the ledger does not verify (\(error)): its stored Merkle tree "
                    + "disagrees with its events; run `oda-ledger verify`. Nothing was written")
            }
            let check = "check it with the verifier key \(signers.map(\.description).joined(separator: " or "))"
            if let out = arguments["out"] {
                try TextFile.write(bundle.canonicalBytes, to: out, what: "proof bundle")
                context.console.error("\(summary), written to \(out); \(check)")
            } else {
                context.console.print(bundle.json.canonicalString)
                context.console.error("\(summary); \(check)")
            }
            return .success
        }
    }

    private static func inclusion(seq: Int64, checkpoint path: String?, _ ledger: ProvingLedger) throws -> (ProofBundle, String) {
        let store = ledger.store
        let head = try store.head()
        guard seq <= head.seq else { throw CommandFailure("the ledger has \(head.seq) events; there is no seq \(seq)") }
        let checkpoint: TrustedCheckpoint
        if let path {
            checkpoint = try ledger.checkpoint(file: path, option: "checkpoint")
            guard checkpoint.size >= seq else {
                throw CommandFailure("the checkpoint \(path) covers seqs 1–\(checkpoint.size), not seq \(seq): "
                    + "give a later checkpoint, or none to use the ledger's own")
            }
        } else {
            let stored = try store.storedCheckpoint(covering: seq) ?? ledger.signNow()
            checkpoint = try ledger.checkpoint(note: stored.note, what: "the ledger's checkpoint of size \(stored.size)")
        }
        guard let event = try store.event(at: seq), case let .object(exportLine) = event.exportJSON else {
            throw IntegrityFailure("the ledger has no readable event at seq \(seq); run `oda-ledger verify`")
        }
        let proof = try store.inclusionProof(seq: seq, treeSize: checkpoint.size)
        let bundle = ProofBundle.inclusion(InclusionProofBundle(
            checkpoint: checkpoint.note, event: exportLine, leafIndex: seq - 1, treeSize: checkpoint.size, proof: proof))
        return (bundle, "inclusion of seq \(seq) in the checkpoint of size \(checkpoint.size): \(proof.count) hashes")
    }

    private static func consistency(from oldPath: String, to newPath: String?, _ ledger: ProvingLedger) throws -> (ProofBundle, String) {
        let old = try ledger.checkpoint(file: oldPath, option: "from-checkpoint")
        guard old.size >= 1 else {
            throw CommandFailure("the checkpoint \(oldPath) is of the empty ledger: every tree extends it, there is nothing to prove")
        }
        let new: TrustedCheckpoint
        if let newPath {
            new = try ledger.checkpoint(file: newPath, option: "to-checkpoint")
        } else {
            let stored = try ledger.signNow()
            new = try ledger.checkpoint(note: stored.note, what: "the ledger's checkpoint of size \(stored.size)")
        }
        guard old.size <= new.size else {
            throw CommandFailure("the old checkpoint (size \(old.size)) is larger than the new one (size \(new.size)): "
                + "a consistency proof goes from the older, smaller checkpoint to the newer; swap them")
        }
        let proof = try ledger.store.consistencyProof(from: old.size, to: new.size)
        let bundle = ProofBundle.consistency(ConsistencyProofBundle(
            oldCheckpoint: old.note, newCheckpoint: new.note, oldSize: old.size, newSize: new.size, proof: proof))
        return (bundle, "consistency of the checkpoint of size \(old.size) with the one of size \(new.size): \(proof.count) hashes")
    }
}

/// The ledger a proof is taken from, and the keys trusted for its checkpoints.
private struct ProvingLedger {
    let arguments: ParsedArguments
    let context: CommandContext
    let directory: DataDirectory
    let store: EventStore
    let origin: String
    let history: SigningKeyHistory

    init(_ arguments: ParsedArguments, _ context: CommandContext) throws {
        self.arguments = arguments
        self.context = context
        directory = context.dataDirectory(arguments)
        store = try context.openStore(arguments, access: .readOnly)
        origin = try store.origin()
        history = try LedgerKeys.history(store, directory, key: nil, option: "key")
    }

    /// A checkpoint file, checked against the trusted keys and against the ledger itself.
    func checkpoint(file path: String, option: String) throws -> TrustedCheckpoint {
        let checkpoint = try TrustedCheckpoint.read(path, option: option, origin: origin, trusting: history.trusted)
        try checkpoint.requireMatches(store, what: "the checkpoint \(path)")
        return checkpoint
    }

    /// One of the ledger's own checkpoints, checked the same way as one from a file.
    func checkpoint(note: String, what: String) throws -> TrustedCheckpoint {
        let checkpoint = try TrustedCheckpoint.check(note, what: what, origin: origin, trusting: history.trusted)
        try checkpoint.requireMatches(store, what: what)
        return checkpoint
    }

    /// Signs (or reuses) a checkpoint of the ledger as it stands, with the current signing key.
    func signNow() throws -> StoredCheckpoint {
        let writable = try context.openStore(arguments, access: .readWrite)
        return try writable.checkpoint(signer: try LedgerKeys.signer(directory, origin: origin))
    }
}
