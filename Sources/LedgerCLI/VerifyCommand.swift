import CanonicalJSON
import Crypto
import EventLog
import Transparency

/// `oda-ledger verify`: recompute every hash and check the whole chain; with `--checkpoint`,
/// also prove the ledger is an append-only extension of a checkpoint kept outside it.
enum VerifyCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "verify",
        abstract: "Check every hash, the chain, stream versions and index columns; with --checkpoint, that the ledger only grew.",
        options: [
            dataOption,
            .init(name: "checkpoint", value: "FILE",
                  help: "A signed checkpoint kept outside the ledger: prove the ledger is an append-only extension of it."),
            .init(name: "key", value: "VKEY|FILE",
                  help: "With --checkpoint: the verifier key you trust (name+keyid+base64, or a file holding it). Default: DIR/signing-key.vkey and retired keys."),
            .init(name: "json", value: nil, help: "Print the report as JSON."),
        ],
        discussion: """
            Exit 0 when intact, 1 when there is any integrity finding, 2 for usage or I/O errors.
            The chain alone cannot reveal a cut tail or a wholesale recomputation: see SECURITY.md.
            With --checkpoint the verdict is one of: extension (exit 0; the consistency proof's size is shown);
            cut tail (the ledger has fewer events than the checkpoint commits to); rewritten history (the root of the
            first events differs from the signed one); fork (the ledger holds its own signed checkpoint of the same size
            with another root); untrusted checkpoint; wrong ledger; tree inconsistent (stored Merkle nodes disagree
            with the events). A checkpoint signed by any key that the ledger's recorded key rotations reach from the
            trusted key is accepted. Auditors pass their own copy of the key with --key: the default trusts the server.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        if arguments["key"] != nil, arguments["checkpoint"] == nil {
            throw UsageError(command: spec.name, message: "--key goes with --checkpoint (the key that checkpoint is checked with)")
        }
        let store = try context.openStore(arguments, access: .readOnly)
        let console = context.console
        let report = try ChainVerifier(store: store).verify { done, total in
            console.progress("verifying", done: done, total: total)
        }
        var audit: CheckpointAuditReport?
        if let path = arguments["checkpoint"] {
            let note = try TextFile.read(path, what: "checkpoint")
            let anchors = try arguments["key"].map { [try LedgerKeys.verifierKey(argument: $0, option: "key")] }
                ?? LedgerKeys.localAnchors(context.dataDirectory(arguments), origin: try store.origin())
            audit = try store.auditCheckpoint(note: note, trusting: anchors)
        }
        if arguments.flag("json") {
            var object = JSONObject()
            object["intact"] = .bool(report.isIntact)
            object["rowsChecked"] = .integer(report.rowsChecked)
            object["head"] = ["seq": .integer(report.head.seq), "hash": .string(report.head.hash.hex)]
            object["totalFindings"] = .integer(Int64(report.totalFindings))
            object["findings"] = .array(report.findings.map { finding in
                ["seq": .integer(finding.seq), "kind": .string(finding.kind.rawValue), "detail": .string(finding.detail)]
            })
            if let audit { object["checkpoint"] = json(audit) }
            console.print(JSONValue.object(object).canonicalString)
        } else {
            if report.isIntact {
                console.print("intact: \(report.rowsChecked) events verified; head seq \(report.head.seq) hash \(report.head.hash.hex)")
            } else {
                console.print("NOT INTACT: \(report.totalFindings) finding(s) in \(report.rowsChecked) stored rows")
                for finding in report.findings { console.print("  \(finding)") }
                if report.totalFindings > report.findings.count {
                    console.print("  … and \(report.totalFindings - report.findings.count) more")
                }
            }
            if let audit {
                console.print("checkpoint: \(audit.verdict.name.replacingOccurrences(of: "-", with: " ")): \(audit.detail)")
                for finding in audit.keyHistory.findings { console.print("key rotation: \(finding)") }
            }
        }
        return report.isIntact && (audit?.passed ?? true) ? .success : .integrityFinding
    }

    /// The `checkpoint` member of the JSON report.
    private static func json(_ audit: CheckpointAuditReport) -> JSONValue {
        var object = JSONObject()
        object["verdict"] = .string(audit.verdict.name)
        object["passed"] = .bool(audit.passed)
        object["detail"] = .string(audit.detail)
        if let checkpoint = audit.checkpoint {
            object["origin"] = .string(checkpoint.origin)
            object["size"] = .integer(Int64(clamping: checkpoint.size))
            object["root"] = .string(Hex.encode(checkpoint.rootHash))
        }
        object["signedBy"] = .array(audit.signers.map { .string($0.encoded) })
        object["ledgerSize"] = .integer(audit.ledgerSize)
        object["ledgerRoot"] = .string(audit.ledgerRoot.hex)
        switch audit.verdict {
        case let .appendOnlyExtension(proof):
            object["proofSize"] = .integer(Int64(proof.count))
            object["proof"] = .array(proof.map { .string($0.hex) })
        case let .rewrittenHistory(root):
            if let root { object["ledgerRootAtSize"] = .string(root.hex) }
        case let .fork(conflicting, root, key):
            object["conflictingCheckpoint"] = .string(conflicting.note)
            object["conflictingRoot"] = .string(root.hex)
            object["conflictingSignedBy"] = .string(key.encoded)
        case .cutTail, .treeInconsistent, .untrusted, .wrongLedger:
            break
        }
        object["keyRotations"] = .integer(Int64(audit.keyHistory.chain.count))
        object["keyRotationFindings"] = .array(audit.keyHistory.findings.map {
            ["seq": .integer($0.seq), "detail": .string($0.detail)]
        })
        return .object(object)
    }
}
