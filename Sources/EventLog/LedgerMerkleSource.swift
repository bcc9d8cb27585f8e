import Crypto
import SQLite
import Transparency

/// Which Merkle nodes the ledger stores, and how it finds the others.
///
/// Only perfect subtrees of `storedLevel` and above are written (one row per 16 events on
/// average instead of two), which keeps the append path cheap. A node below that level is
/// recomputed from the events' stored bytes: at most 2^storedLevel rowid reads, and a proof
/// touches at most two such nodes per level, so a proof still needs O(log n) reads.
enum MerklePersistence {
    static let storedLevel = 4
}

/// Perfect-subtree hashes read from the ledger file: stored nodes from `merkle_nodes`, leaves
/// and low nodes recomputed from `events.body`.
struct LedgerMerkleSource: MerkleNodeSource {
    let connection: Connection
    let path: String
    let hasher: SHA256Hasher

    func hash(of node: MerkleNodeID) throws(StoreError) -> SHA256Digest {
        do {
            if node.level >= MerklePersistence.storedLevel {
                let statement = try connection.cached("SELECT hash FROM merkle_nodes WHERE level = ?1 AND idx = ?2")
                try statement.bind([.integer(Int64(node.level)), .integer(Int64(node.index))])
                defer { statement.reset() }
                guard try statement.step(), let digest = try? SHA256Digest(bytes: statement.blob(at: 0)) else {
                    throw StoreError.corruptEvent(seq: Int64(node.leaves.upperBound),
                                                  reason: "the Merkle node \(node) is missing or malformed")
                }
                return digest
            }
            if node.level == 0 {
                return try leafHash(seq: Int64(node.index) + 1)
            }
            let left = MerkleNodeID(level: node.level - 1, index: node.index * 2)
            let right = MerkleNodeID(level: node.level - 1, index: node.index * 2 + 1)
            return MerkleHash.node(try hash(of: left), try hash(of: right), using: hasher)
        } catch {
            throw StoreError.wrapping(error, path: path)
        }
    }

    private func leafHash(seq: Int64) throws -> SHA256Digest {
        let statement = try connection.cached("SELECT body FROM events WHERE seq = ?1")
        try statement.bind([.integer(seq)])
        defer { statement.reset() }
        guard try statement.step() else {
            throw StoreError.corruptEvent(seq: seq, reason: "no event is stored at this seq")
        }
        return MerkleHash.leaf(statement.blob(at: 0), using: hasher)
    }
}
