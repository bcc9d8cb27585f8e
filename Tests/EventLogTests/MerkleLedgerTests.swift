import Crypto
import EventLog
import Transparency
import XCTest

/// The tree the ledger maintains on its append path, checked against a plain recomputation from
/// the stored bytes, and the checkpoints signed over it.
final class MerkleLedgerTests: XCTestCase {
    private func filledLedger(_ count: Int) throws -> (TestLedger, EventStore, [SHA256Digest]) {
        let ledger = try TestLedger()
        let store = try ledger.open()
        var appended = 0
        var batchSize = 1
        while appended < count {
            let n = min(batchSize, count - appended)
            _ = try store.append((0..<n).map { proposed("project:\(($0 + appended) % 7)", "CommitmentRecorded", $0 + appended) }, actor: recorder)
            appended += n
            batchSize = batchSize % 37 + 5  // uneven batches cross subtree boundaries in every way
        }
        let hasher = try SHA256Hasher()
        let leaves = try store.events(EventQuery()).map { MerkleHash.leaf($0.canonicalBytes, using: hasher) }
        return (ledger, store, leaves)
    }

    func testRootsAndProofsMatchARecomputationFromTheStoredBytes() throws {
        let (_, store, leaves) = try filledLedger(300)
        let hasher = try SHA256Hasher()
        for size in [0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 100, 255, 256, 257, 299, 300] {
            let expected = MerkleTree.rootFromLeafHashes(Array(leaves.prefix(size)), using: hasher)
            XCTAssertEqual(try store.merkleRoot(size: Int64(size)), expected, "size \(size)")
        }
        let root300 = try store.merkleRoot(size: 300)
        for seq in [1, 2, 16, 17, 128, 255, 299, 300] {
            let proof = try store.inclusionProof(seq: Int64(seq), treeSize: 300)
            XCTAssertNoThrow(try MerkleVerification.verifyInclusion(
                leafHash: leaves[seq - 1], leafIndex: UInt64(seq - 1), treeSize: 300, proof: proof, root: root300, using: hasher))
        }
        for (old, new) in [(1, 300), (16, 17), (100, 257), (256, 300), (300, 300), (0, 5)] {
            let proof = try store.consistencyProof(from: Int64(old), to: Int64(new))
            XCTAssertNoThrow(try MerkleVerification.verifyConsistency(
                oldSize: UInt64(old), newSize: UInt64(new), oldRoot: try store.merkleRoot(size: Int64(old)),
                newRoot: try store.merkleRoot(size: Int64(new)), proof: proof, using: hasher), "\(old) → \(new)")
        }
        XCTAssertThrowsError(try store.inclusionProof(seq: 5, treeSize: 301)) { error in
            XCTAssertEqual(error as? ProofRequestError, .beyondLedger(requested: 301, size: 300))
        }
    }

    func testAWriterThatDidNotMakeTheLastAppendRebuildsTheTreeFromTheFile() throws {
        let (ledger, store, _) = try filledLedger(50)
        let other = try ledger.open()
        _ = try other.append((0..<21).map { proposed("project:x", "CommitmentRecorded", $0) }, actor: recorder)
        _ = try store.append((0..<13).map { proposed("project:y", "CommitmentRecorded", $0) }, actor: recorder)
        let hasher = try SHA256Hasher()
        let leaves = try store.events(EventQuery()).map { MerkleHash.leaf($0.canonicalBytes, using: hasher) }
        XCTAssertEqual(leaves.count, 84)
        XCTAssertEqual(try store.merkleRoot(size: 84), MerkleTree.rootFromLeafHashes(leaves, using: hasher))
    }

    func testCheckpointsAreSignedStoredAndVerifiable() throws {
        let (_, store, leaves) = try filledLedger(40)
        let key = try Ed25519PrivateKey.generate()
        let signer = try NoteSignerKey(name: try store.origin(), privateKey: key)
        let checkpoint = try store.checkpoint(signer: signer)
        XCTAssertEqual(checkpoint.size, 40)
        let note = try SignedNote.parse(checkpoint.note)
        XCTAssertEqual(try note.verify(trusting: [signer.verifierKey]).map(\.name), [signer.name])
        let body = try Checkpoint.parse(body: note.text)
        XCTAssertEqual(body.origin, try store.origin())
        XCTAssertEqual(body.rootHash, MerkleTree.rootFromLeafHashes(leaves, using: try SHA256Hasher()).bytes)
        XCTAssertEqual(try store.checkpoint(signer: signer), checkpoint, "the same size is not signed twice")
        XCTAssertEqual(try store.storedCheckpoint(), checkpoint)
        let stranger = try NoteSignerKey(name: "someone-else", privateKey: key)
        XCTAssertThrowsError(try store.checkpoint(signer: stranger))
    }

    func testThePolicySignsCheckpointsInsideAppendsByCount() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let signer = try NoteSignerKey(name: try store.origin(), privateKey: try Ed25519PrivateKey.generate())
        try store.setCheckpointPolicy(CheckpointPolicy(signer: signer, everyEvents: 10, everySeconds: nil))
        for i in 0..<25 { _ = try store.append([proposed("project:a", "CommitmentRecorded", i)], actor: recorder) }
        XCTAssertEqual(try store.storedCheckpoint(size: 10)?.size, 10)
        XCTAssertEqual(try store.storedCheckpoint(size: 20)?.size, 20)
        XCTAssertNil(try store.storedCheckpoint(size: 25))
        XCTAssertEqual(try store.storedCheckpoint(covering: 11)?.size, 20)
    }

    func testCosignaturesAreCheckedStoredAndServed() throws {
        let (_, store, _) = try filledLedger(12)
        let signer = try NoteSignerKey(name: try store.origin(), privateKey: try Ed25519PrivateKey.generate())
        let stored = try store.checkpoint(signer: signer)
        let auditorKey = try Ed25519PrivateKey.generate()
        let checkpoint = try Checkpoint.parse(body: try SignedNote.parse(stored.note).text)
        let line = try Cosignature.cosign(checkpoint: checkpoint, name: "audit.sao.gov.la", key: auditorKey, time: 1_780_000_000)
        let auditor = try CosignatureVerifierKey(name: "audit.sao.gov.la", publicKey: auditorKey.publicKey)
        let cosigned = try store.addCosignature(line, by: auditor, size: 12)
        XCTAssertEqual(try Cosignature.verify(in: try SignedNote.parse(cosigned.note), cosigner: auditor), 1_780_000_000)
        XCTAssertEqual(try store.storedCheckpoint(size: 12)?.note, cosigned.note)
        let impostor = try CosignatureVerifierKey(name: "audit.sao.gov.la", publicKey: try Ed25519PrivateKey.generate().publicKey)
        XCTAssertThrowsError(try store.addCosignature(line, by: impostor, size: 12))
    }
}
