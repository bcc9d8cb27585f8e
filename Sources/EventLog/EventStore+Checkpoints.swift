import Crypto
import SQLite
import Transparency

extension EventStore {
    /// Lets appends sign checkpoints by themselves, inside the append's own transaction (nil: never).
    public func setCheckpointPolicy(_ policy: CheckpointPolicy?) throws(StoreError) {
        guard let writer else { throw .readOnly(path: path) }
        writer.withLock { $0.checkpointPolicy = policy }
    }

    /// Signs a checkpoint of the ledger as it stands (or returns the one already stored for this
    /// size, with its cosignatures) and keeps it in the ledger.
    public func checkpoint(signer: NoteSignerKey) throws -> StoredCheckpoint {
        let signed = try signCheckpoint(signer: signer)
        return try storedCheckpoint(size: signed.size) ?? signed
    }

    private func signCheckpoint(signer: NoteSignerKey) throws -> StoredCheckpoint {
        guard let writer else { throw StoreError.readOnly(path: path) }
        guard signer.name == (try origin()) else {
            throw StoreError.notALedger(path: path, reason: "the signing key is named \(signer.name), but this ledger's origin is \(try origin())")
        }
        return try writer.withLock { writer in
            do {
                return try writer.connection.transaction(.immediate) { () throws(any Error) -> StoredCheckpoint in
                    let head = try LedgerHead.read(from: writer.connection, path: path)
                    let tree = try writer.currentFrontier(size: head.seq)
                    return try writer.writeCheckpoint(tree: tree, signer: signer, at: max(writer.clock(), head.recordedAt ?? writer.clock()))
                }
            } catch let error as TransactionError<any Error> {
                switch error {
                case let .body(e as SQLiteError), let .database(e): throw StoreError(e, path: path)
                case let .body(e): throw e
                }
            }
        }
    }

    /// The most recent stored checkpoint, or the one of `size`.
    public func storedCheckpoint(size: Int64? = nil) throws -> StoredCheckpoint? {
        try withSnapshot { connection in
            try StoredCheckpoint.read(size: size, from: connection).map { try withCosignatures($0, connection) }
        }
    }

    /// The smallest stored checkpoint whose tree includes `seq`.
    public func storedCheckpoint(covering seq: Int64) throws -> StoredCheckpoint? {
        try withSnapshot { connection in
            let statement = try connection.cached(
                "SELECT size, root, note, recorded_at FROM checkpoints WHERE size >= ?1 ORDER BY size LIMIT 1")
            try statement.bind([.integer(seq)])
            defer { statement.reset() }
            guard try statement.step() else { return nil }
            return try withCosignatures(StoredCheckpoint(row: statement), connection)
        }
    }

    /// Every stored checkpoint, smallest first, each with its cosignatures.
    public func storedCheckpoints() throws -> [StoredCheckpoint] {
        try withSnapshot { connection in
            let statement = try connection.prepare("SELECT size, root, note, recorded_at FROM checkpoints ORDER BY size")
            try statement.bind([])
            var result: [StoredCheckpoint] = []
            while try statement.step() {
                result.append(try StoredCheckpoint(row: statement))
            }
            return try result.map { try withCosignatures($0, connection) }
        }
    }

    private func withCosignatures(_ checkpoint: StoredCheckpoint, _ connection: Connection) throws -> StoredCheckpoint {
        let lines = try connection.cached("SELECT line FROM cosignatures WHERE size = ?1 ORDER BY cosigner")
        try lines.bind([.integer(checkpoint.size)])
        defer { lines.reset() }
        var note = checkpoint.note
        while try lines.step() { note += lines.text(at: 0) + "\n" }
        return StoredCheckpoint(size: checkpoint.size, root: checkpoint.root, note: note, recordedAt: checkpoint.recordedAt)
    }

    /// Keeps an auditor's cosignature of a stored checkpoint, after checking it. Returns the
    /// checkpoint with every cosignature it now has.
    public func addCosignature(_ signature: NoteSignature, by cosigner: CosignatureVerifierKey, size: Int64) throws -> StoredCheckpoint {
        guard let writer else { throw StoreError.readOnly(path: path) }
        guard let stored = try storedCheckpoint(size: size) else {
            throw StoreError.notFound(path: "\(path) checkpoint of size \(size)")
        }
        let checkpoint = try Checkpoint.parse(body: try SignedNote.parse(stored.note).text)
        _ = try Cosignature.verify(signature, checkpoint: checkpoint, cosigner: cosigner)
        try writer.withLock { writer in
            try writer.connection.cached("""
                INSERT INTO cosignatures (size, cosigner, line, recorded_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (size, cosigner) DO NOTHING
                """).execute([.integer(size), .text(cosigner.name), .text(signature.line), .text(Timestamp.now().rfc3339)])
        }
        return try storedCheckpoint(size: size) ?? stored
    }

    /// The RFC 9162 root of the first `size` events.
    public func merkleRoot(size: Int64) throws -> SHA256Digest {
        try withSnapshot { connection in
            let head = try LedgerHead.read(from: connection, path: path)
            guard size >= 0, size <= head.seq else { throw ProofRequestError.beyondLedger(requested: size, size: head.seq) }
            let source = LedgerMerkleSource(connection: connection, path: path, hasher: try SHA256Hasher())
            return try MerkleTree.root(size: UInt64(size), source: source, using: source.hasher)
        }
    }

    /// The audit path of the event at `seq` in the tree of the first `treeSize` events.
    public func inclusionProof(seq: Int64, treeSize: Int64) throws -> [SHA256Digest] {
        try withSnapshot { connection in
            let head = try LedgerHead.read(from: connection, path: path)
            guard treeSize <= head.seq else { throw ProofRequestError.beyondLedger(requested: treeSize, size: head.seq) }
            guard seq >= 1, seq <= treeSize else { throw ProofRequestError.seqOutsideTree(seq: seq, treeSize: treeSize) }
            let source = LedgerMerkleSource(connection: connection, path: path, hasher: try SHA256Hasher())
            return try MerkleTree.inclusionProof(leafIndex: UInt64(seq - 1), treeSize: UInt64(treeSize), source: source, using: source.hasher)
        }
    }

    /// The proof that the tree of the first `newSize` events extends the one of `oldSize`.
    public func consistencyProof(from oldSize: Int64, to newSize: Int64) throws -> [SHA256Digest] {
        try withSnapshot { connection in
            let head = try LedgerHead.read(from: connection, path: path)
            guard newSize <= head.seq else { throw ProofRequestError.beyondLedger(requested: newSize, size: head.seq) }
            guard oldSize >= 0, oldSize <= newSize else { throw ProofRequestError.sizesOutOfOrder(old: oldSize, new: newSize) }
            let source = LedgerMerkleSource(connection: connection, path: path, hasher: try SHA256Hasher())
            return try MerkleTree.consistencyProof(from: UInt64(oldSize), to: UInt64(newSize), source: source, using: source.hasher)
        }
    }
}

/// A proof was asked for a tree or event the ledger does not have.
public enum ProofRequestError: Error, Equatable, CustomStringConvertible {
    case beyondLedger(requested: Int64, size: Int64)
    case seqOutsideTree(seq: Int64, treeSize: Int64)
    case sizesOutOfOrder(old: Int64, new: Int64)

    public var description: String {
        switch self {
        case let .beyondLedger(requested, size):
            return "the ledger has \(size) events; a tree of \(requested) does not exist (a cut tail, or the wrong ledger)"
        case let .seqOutsideTree(seq, treeSize):
            return "seq \(seq) is not in the tree of the first \(treeSize) events"
        case let .sizesOutOfOrder(old, new):
            return "a consistency proof goes from a smaller tree to a larger one, not from \(old) to \(new)"
        }
    }
}
