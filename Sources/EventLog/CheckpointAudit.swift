import Crypto
import SQLite
import Transparency

/// What an auditor's checkpoint says about the ledger as it is now.
public enum CheckpointVerdict: Sendable, Equatable {
    /// The ledger's first `size` events are exactly those the checkpoint committed to, and the
    /// ledger's stored tree proves it: `proof` is the RFC 9162 consistency proof from the
    /// checkpoint to the whole ledger, verified.
    case appendOnlyExtension(proof: [SHA256Digest])
    /// The ledger ends before the checkpoint's size: events it committed to were removed.
    case cutTail
    /// The root of the ledger's first `size` events is not the signed one (`ledgerRoot` is nil
    /// when events inside that range are missing altogether).
    case rewrittenHistory(ledgerRoot: SHA256Digest?)
    /// The ledger holds its own checkpoint of the same size, signed by a trusted key, with a
    /// different root: two signed, conflicting views of one ledger.
    case fork(conflicting: StoredCheckpoint, conflictingRoot: SHA256Digest, signedBy: NoteVerifierKey)
    /// The events extend the checkpoint, but the ledger's stored Merkle nodes do not prove it:
    /// proofs served from this ledger would not verify.
    case treeInconsistent(reason: String)
    /// The checkpoint cannot be trusted: not a signed checkpoint, or not signed by a trusted key.
    case untrusted(reason: String)
    /// A valid checkpoint, but of another ledger.
    case wrongLedger(ledgerOrigin: String)

    /// The verdict's name in reports: `extension`, `cut-tail`, `rewritten-history`, `fork`,
    /// `tree-inconsistent`, `untrusted-checkpoint`, `wrong-ledger`.
    public var name: String {
        switch self {
        case .appendOnlyExtension: return "extension"
        case .cutTail: return "cut-tail"
        case .rewrittenHistory: return "rewritten-history"
        case .fork: return "fork"
        case .treeInconsistent: return "tree-inconsistent"
        case .untrusted: return "untrusted-checkpoint"
        case .wrongLedger: return "wrong-ledger"
        }
    }
}

/// The outcome of checking the ledger against a checkpoint kept outside it.
public struct CheckpointAuditReport: Sendable {
    /// What the checkpoint commits to; nil when the note could not be read as a checkpoint.
    public let checkpoint: Checkpoint?
    /// The trusted keys that signed it (empty when untrusted).
    public let signers: [NoteVerifierKey]
    /// How many events the ledger held when it was read, and the last seq among them.
    public let ledgerSize: Int64
    public let lastSeq: Int64
    /// The root of all the ledger's events, recomputed from their stored bytes.
    public let ledgerRoot: SHA256Digest
    public let verdict: CheckpointVerdict
    /// The rotations followed to decide which keys are trusted, and any refused.
    public let keyHistory: SigningKeyHistory

    /// True only for an append-only extension with no refused key rotation in the log.
    public var passed: Bool {
        if case .appendOnlyExtension = verdict { return keyHistory.findings.isEmpty }
        return false
    }

    /// One sentence for the operator, naming what was found.
    public var detail: String {
        let size = checkpoint.map { Int64($0.size) } ?? 0
        let signed = checkpoint.map { Hex.encode($0.rootHash) } ?? ""
        switch verdict {
        case let .appendOnlyExtension(proof):
            return "the ledger's \(ledgerSize) events extend the checkpoint of size \(size): consistency proof \(size) → \(ledgerSize) "
                + "of \(proof.count) hashes (\(proof.count * 32) bytes) verified against the signed root and the root recomputed from the events"
        case .cutTail:
            return "the checkpoint commits to \(size) events, but the ledger ends at seq \(lastSeq): "
                + "seqs \(lastSeq + 1)–\(size) were cut off"
        case let .rewrittenHistory(root?):
            return "the root of the ledger's first \(size) events is \(root.hex), but the checkpoint signed \(signed): "
                + "events it covers were changed or replaced by another, internally consistent chain"
        case .rewrittenHistory(nil):
            return "the ledger holds only \(ledgerSize) events up to seq \(lastSeq), so events among the first \(size) "
                + "that the checkpoint covers are missing"
        case let .fork(conflicting, root, key):
            return "the ledger holds its own checkpoint of size \(conflicting.size), signed by \(key), with root \(root.hex); "
                + "the given checkpoint, signed by \(signers.map(\.description).joined(separator: ", ")), has root \(signed): "
                + "two signed, conflicting views of the ledger"
        case let .treeInconsistent(reason):
            return "the events extend the checkpoint, but the ledger's stored Merkle tree does not prove it (\(reason)); "
                + "proofs served from this ledger would not verify"
        case let .untrusted(reason):
            return reason
        case let .wrongLedger(ledgerOrigin):
            return "the checkpoint is for \(checkpoint?.origin ?? "another ledger"), but this ledger is \(ledgerOrigin)"
        }
    }
}

extension EventStore {
    /// Decides whether the ledger as it stands now is an append-only extension of `note`, a
    /// checkpoint kept outside the ledger, for a verifier that trusts `anchors` (and the keys
    /// their rotations lead to).
    ///
    /// Nothing stored beside the events is believed: the roots are recomputed from the events'
    /// stored bytes in one pass, and the ledger's consistency proof (from its stored Merkle nodes)
    /// must verify against the signed root and the recomputed one. The ledger's own stored
    /// checkpoints matter only as signed statements: one of the same size with another root,
    /// signed by a trusted key, is a fork. Throws only for I/O; every finding is a verdict.
    public func auditCheckpoint(note text: String, trusting anchors: [NoteVerifierKey]) throws -> CheckpointAuditReport {
        let history = try signingKeyHistory(trusting: anchors)
        let ledgerOrigin = try origin()
        func report(_ checkpoint: Checkpoint?, _ signers: [NoteVerifierKey], _ scan: TreeScan, _ verdict: CheckpointVerdict)
            -> CheckpointAuditReport {
            CheckpointAuditReport(checkpoint: checkpoint, signers: signers, ledgerSize: scan.count, lastSeq: scan.lastSeq,
                                  ledgerRoot: scan.root, verdict: verdict, keyHistory: history)
        }

        let note: SignedNote
        let signers: [NoteVerifierKey]
        let checkpoint: Checkpoint
        do {
            note = try SignedNote.parse(text)
        } catch {
            return report(nil, [], try scanTree(rootAt: nil), .untrusted(reason: "not a signed note: \(error)"))
        }
        do {
            signers = try note.verify(trusting: history.trusted)
        } catch {
            let trusted = history.trusted.map(\.description).joined(separator: ", ")
            return report(try? Checkpoint.parse(body: note.text), [], try scanTree(rootAt: nil),
                          .untrusted(reason: "\(error) (trusted: \(trusted.isEmpty ? "no key" : trusted))"))
        }
        do {
            checkpoint = try Checkpoint.parse(body: note.text)
        } catch {
            return report(nil, signers, try scanTree(rootAt: nil), .untrusted(reason: "the note is not a checkpoint: \(error)"))
        }
        guard checkpoint.origin == ledgerOrigin, signers.allSatisfy({ $0.name == ledgerOrigin }) else {
            return report(checkpoint, signers, try scanTree(rootAt: nil), .wrongLedger(ledgerOrigin: ledgerOrigin))
        }
        guard checkpoint.size <= UInt64(Int64.max) else {
            return report(checkpoint, signers, try scanTree(rootAt: nil), .untrusted(reason: "the checkpoint's size \(checkpoint.size) is beyond any ledger"))
        }
        let size = Int64(checkpoint.size)
        let signedRoot = try SHA256Digest(bytes: checkpoint.rootHash)
        let scan = try scanTree(rootAt: size)

        if let own = try storedCheckpoint(size: size), let conflict = conflictingRoot(own, signedRoot, history.trusted) {
            return report(checkpoint, signers, scan, .fork(conflicting: own, conflictingRoot: conflict.root, signedBy: conflict.key))
        }
        guard scan.lastSeq >= size else { return report(checkpoint, signers, scan, .cutTail) }
        guard let rootAtSize = scan.rootAtTarget else {
            return report(checkpoint, signers, scan, .rewrittenHistory(ledgerRoot: nil))
        }
        guard rootAtSize == signedRoot else {
            return report(checkpoint, signers, scan, .rewrittenHistory(ledgerRoot: rootAtSize))
        }
        do {
            let proof = try consistencyProof(from: size, to: scan.count)
            try MerkleVerification.verifyConsistency(
                oldSize: UInt64(size), newSize: UInt64(scan.count), oldRoot: signedRoot, newRoot: scan.root,
                proof: proof, using: try SHA256Hasher())
            return report(checkpoint, signers, scan, .appendOnlyExtension(proof: proof))
        } catch let error as MerkleProofError {
            return report(checkpoint, signers, scan, .treeInconsistent(reason: error.description))
        } catch let error as StoreError {
            return report(checkpoint, signers, scan, .treeInconsistent(reason: error.description))
        } catch let error as ProofRequestError {
            return report(checkpoint, signers, scan, .treeInconsistent(reason: error.description))
        } catch {
            return report(checkpoint, signers, scan, .treeInconsistent(reason: "\(error)"))
        }
    }

    /// The root of the ledger's own checkpoint `own` if it conflicts with `signedRoot` and is
    /// signed by a trusted key; its note is the statement, not the `root` column.
    private func conflictingRoot(_ own: StoredCheckpoint, _ signedRoot: SHA256Digest, _ trusted: [NoteVerifierKey])
        -> (root: SHA256Digest, key: NoteVerifierKey)? {
        guard let note = try? SignedNote.parse(own.note), let keys = try? note.verify(trusting: trusted), let key = keys.first,
              let body = try? Checkpoint.parse(body: note.text), let root = try? SHA256Digest(bytes: body.rootHash),
              body.size == UInt64(own.size), root != signedRoot else { return nil }
        return (root, key)
    }

    /// One pass over the stored events in seq order, rebuilding the tree from their bytes.
    struct TreeScan {
        let count: Int64
        let lastSeq: Int64
        /// The root after `target` events (nil when there are fewer).
        let rootAtTarget: SHA256Digest?
        let root: SHA256Digest
    }

    func scanTree(rootAt target: Int64?) throws -> TreeScan {
        try withSnapshot { connection in
            let hasher = try SHA256Hasher()
            var frontier = MerkleFrontier()
            var rootAtTarget: SHA256Digest? = target == 0 ? MerkleHash.emptyRoot : nil
            var lastSeq: Int64 = 0
            let rows = try connection.prepare("SELECT seq, body FROM events ORDER BY seq")
            try rows.bind([])
            while try rows.step() {
                lastSeq = rows.int64(at: 0)
                _ = frontier.append(leafHash: MerkleHash.leaf(rows.blob(at: 1), using: hasher), using: hasher)
                if let target, Int64(frontier.size) == target { rootAtTarget = frontier.root(using: hasher) }
            }
            return TreeScan(count: Int64(frontier.size), lastSeq: lastSeq, rootAtTarget: rootAtTarget,
                            root: frontier.root(using: hasher))
        }
    }
}
