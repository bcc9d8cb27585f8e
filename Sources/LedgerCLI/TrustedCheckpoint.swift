import Crypto
import EventLog
import Transparency

/// A signed checkpoint (spec §7) that has been checked: signed by a key trusted for this ledger
/// and naming this ledger's origin.
struct TrustedCheckpoint {
    /// The note exactly as received, cosignature lines included.
    let note: String
    let checkpoint: Checkpoint
    /// The trusted keys that signed it.
    let signers: [NoteVerifierKey]
    /// The signed root hash.
    let root: SHA256Digest

    var size: Int64 { Int64(checkpoint.size) }

    /// Reads a checkpoint file given as `--<option>`. A file that is not a signed checkpoint is a
    /// usage error; one not signed by a trusted key, or of another ledger, is an integrity finding.
    static func read(_ path: String, option: String, origin: String, trusting keys: [NoteVerifierKey]) throws -> TrustedCheckpoint {
        try check(try TextFile.read(path, what: "checkpoint"), what: "the checkpoint \(path)", origin: origin, trusting: keys)
    }

    static func check(_ text: String, what: String, origin: String, trusting keys: [NoteVerifierKey]) throws -> TrustedCheckpoint {
        let note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote.parse(text)
            checkpoint = try Checkpoint.parse(body: note.text)
        } catch {
            throw CommandFailure("\(what) is not a signed checkpoint: \(error)")
        }
        let signers: [NoteVerifierKey]
        do {
            signers = try note.verify(trusting: keys)
        } catch {
            throw IntegrityFailure("\(what) is not signed by a key trusted for this ledger: \(error) (trusted: \(keys.map(\.description).joined(separator: ", ")))")
        }
        guard checkpoint.origin == origin else {
            throw IntegrityFailure("\(what) is for \(checkpoint.origin), but this ledger is \(origin)")
        }
        guard checkpoint.size <= UInt64(Int64.max), let root = try? SHA256Digest(bytes: checkpoint.rootHash) else {
            throw IntegrityFailure("\(what) has an impossible size \(checkpoint.size) or root")
        }
        return TrustedCheckpoint(note: text, checkpoint: checkpoint, signers: signers, root: root)
    }

    /// Fails unless the ledger holds at least `size` events and its root at `size` is the signed one.
    func requireMatches(_ store: EventStore, what: String) throws {
        let head = try store.head()
        guard size <= head.seq else {
            throw IntegrityFailure("\(what) commits to \(size) events, but the ledger has only \(head.seq): its tail was cut, "
                + "or this is another copy; run `oda-ledger verify --checkpoint` for the full verdict")
        }
        let ledgerRoot = try store.merkleRoot(size: size)
        guard ledgerRoot == root else {
            throw IntegrityFailure("the ledger's root at size \(size) is \(ledgerRoot.hex), but \(what) signed \(root.hex): "
                + "the history it covers was rewritten or forked; run `oda-ledger verify --checkpoint` for the full verdict")
        }
    }
}
