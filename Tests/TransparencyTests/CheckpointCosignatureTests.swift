import Crypto
import Transparency
import XCTest

/// C2SP tlog-cosignature, Ed25519 cosignature/v1.
final class CheckpointCosignatureTests: XCTestCase {
    func testGeneratedVectorReproducesAndVerifies() throws {
        let vector = try SignedNoteVectors.vector("self-generated-checkpoint-with-cosignature-v1")
        let logKey = try Ed25519PrivateKey(seed: bytes(try XCTUnwrap(vector.log_seed_hex)))
        let witnessKey = try Ed25519PrivateKey(seed: bytes(try XCTUnwrap(vector.witness_seed_hex)))
        let timestamp = try XCTUnwrap(vector.cosignature_timestamp)

        let logSigner = try NoteSignerKey(name: "example.org/oda-audit/test-log", privateKey: logKey)
        XCTAssertEqual(logSigner.verifierKey.encoded, vector.log_vkey)
        let witness = try CosignatureVerifierKey(name: "example.org/witness-1", publicKey: witnessKey.publicKey)
        XCTAssertEqual(witness.encoded, vector.witness_vkey)
        XCTAssertEqual(witness.keyID, 0x09eb_f21f)
        XCTAssertEqual(try CosignatureVerifierKey(try XCTUnwrap(vector.witness_vkey)), witness)

        // Parse and verify the published note.
        let note = try SignedNote.parse(try XCTUnwrap(vector.note))
        let checkpoint = try Checkpoint.parse(body: note.text)
        XCTAssertEqual(checkpoint.size, 8)
        XCTAssertEqual(Hex.encode(checkpoint.rootHash).prefix(8), "5dc9da79")
        XCTAssertEqual(try note.verify(trusting: [logSigner.verifierKey]), [logSigner.verifierKey])
        XCTAssertEqual(try Cosignature.verify(in: note, cosigner: witness), timestamp)
        XCTAssertEqual(try Cosignature.verify(note.signatures[1], checkpoint: checkpoint, cosigner: witness), timestamp)
        XCTAssertEqual(Cosignature.signedMessage(body: checkpoint.body, timestamp: timestamp), vector.cosigned_message)
        let decoded = try Cosignature(note.signatures[1])
        XCTAssertEqual(decoded.timestamp, timestamp)
        XCTAssertEqual(decoded.signature.count, 64)

        // Rebuild the note from the seeds: both signatures are deterministic.
        let cosignature = try Cosignature.cosign(
            checkpoint: checkpoint, name: "example.org/witness-1", key: witnessKey, time: timestamp)
        XCTAssertEqual(cosignature, note.signatures[1])
        let rebuilt = try SignedNote.sign(text: checkpoint.body, with: [logSigner]).adding(signature: cosignature)
        XCTAssertEqual(rebuilt.serialized, vector.note)
    }

    /// A witness key must never pass for a log key, nor the reverse.
    func testKeyTypesAreNotInterchangeable() throws {
        let vector = try SignedNoteVectors.vector("self-generated-checkpoint-with-cosignature-v1")
        assertNoteError(try NoteVerifierKey(try XCTUnwrap(vector.witness_vkey)), mentioning: "0x04", "expected Ed25519 (0x01)")
        assertNoteError(try CosignatureVerifierKey(try XCTUnwrap(vector.log_vkey)), mentioning: "0x01", "expected Ed25519 cosignature/v1 (0x04)")

        // The witness's line is not a note signature by the same key under type 0x01.
        let note = try SignedNote.parse(try XCTUnwrap(vector.note))
        let witness = try CosignatureVerifierKey(try XCTUnwrap(vector.witness_vkey))
        let sameKeyAsNoteKey = try NoteVerifierKey(name: witness.name, publicKey: witness.publicKey)
        XCTAssertNotEqual(sameKeyAsNoteKey.keyID, witness.keyID)
        XCTAssertEqual(note.verifiedSigners([sameKeyAsNoteKey]), [])
    }

    func testCosignRoundTripAndTampering() throws {
        let witnessKey = try Ed25519PrivateKey.generate()
        let witness = try CosignatureVerifierKey(name: "witness.example/w1", publicKey: witnessKey.publicKey)
        let checkpoint = try Checkpoint(
            origin: "example.org/log", size: 5, root: SHA256.hash([1]), extensions: ["ext"])
        let line = try Cosignature.cosign(checkpoint: checkpoint, name: witness.name, key: witnessKey, time: 1_700_000_123)
        XCTAssertEqual(line.keyID, witness.keyID)
        XCTAssertEqual(line.signature.count, 72)
        XCTAssertEqual(try Cosignature.verify(line, checkpoint: checkpoint, cosigner: witness), 1_700_000_123)

        // Extension lines are part of the signed message.
        let withoutExtension = try Checkpoint(origin: "example.org/log", size: 5, root: SHA256.hash([1]))
        assertNoteError(
            try Cosignature.verify(line, checkpoint: withoutExtension, cosigner: witness),
            .invalidSignature(name: witness.name, keyID: witness.keyID))
        let bigger = try Checkpoint(origin: "example.org/log", size: 6, root: SHA256.hash([1]), extensions: ["ext"])
        assertNoteError(try Cosignature.verify(line, checkpoint: bigger, cosigner: witness), mentioning: "does not verify")

        // A changed timestamp breaks the signature.
        var payload = line.signature
        payload[7] ^= 1
        let retimed = try NoteSignature(name: line.name, keyID: line.keyID, signature: payload)
        assertNoteError(try Cosignature.verify(retimed, checkpoint: checkpoint, cosigner: witness), mentioning: "does not verify")
    }

    func testMalformedAndMisattributedCosignatures() throws {
        let witnessKey = try Ed25519PrivateKey.generate()
        let witness = try CosignatureVerifierKey(name: "w", publicKey: witnessKey.publicKey)
        let checkpoint = try Checkpoint(origin: "o", size: 1, root: SHA256.hash([]))

        let short = try NoteSignature(name: "w", keyID: witness.keyID, signature: [UInt8](repeating: 0, count: 64))
        assertNoteError(try Cosignature.verify(short, checkpoint: checkpoint, cosigner: witness), mentioning: "64 bytes", "72")

        let farFuture = try NoteSignature(
            name: "w", keyID: witness.keyID, signature: [0x80] + [UInt8](repeating: 0, count: 71))
        assertNoteError(try Cosignature.verify(farFuture, checkpoint: checkpoint, cosigner: witness), mentioning: "2^63-1")
        assertNoteError(
            try Cosignature.cosign(checkpoint: checkpoint, name: "w", key: witnessKey, time: UInt64.max),
            mentioning: "2^63-1")

        let other = try NoteSignature(name: "w", keyID: witness.keyID ^ 1, signature: [UInt8](repeating: 0, count: 72))
        assertNoteError(try Cosignature.verify(other, checkpoint: checkpoint, cosigner: witness), mentioning: "not by the expected key")

        let note = try SignedNote.sign(
            text: checkpoint.body, with: [NoteSignerKey(name: "o", privateKey: Ed25519PrivateKey.generate())])
        assertNoteError(try Cosignature.verify(in: note, cosigner: witness), .missingSignature(name: "w", keyID: witness.keyID))

        // Two lines from the same witness: both must verify; the latest time is reported.
        let early = try Cosignature.cosign(checkpoint: checkpoint, name: "w", key: witnessKey, time: 10)
        let late = try Cosignature.cosign(checkpoint: checkpoint, name: "w", key: witnessKey, time: 20)
        let twice = try SignedNote(text: note.text, signatures: note.signatures + [early, late])
        XCTAssertEqual(try Cosignature.verify(in: twice, cosigner: witness), 20)
        XCTAssertEqual(try note.adding(signature: early).adding(signature: late).signatures.count, 2, "adding replaces")
    }

    private func bytes(_ hex: String) throws -> [UInt8] { try XCTUnwrap(Hex.decode(hex)) }
}
