import Crypto
import Foundation
import Transparency
import XCTest

/// `Tests/Fixtures/vectors/c2sp-signed-note/signed_note_vectors.json`, read via `#filePath`.
struct SignedNoteVectors: Decodable {
    struct CheckpointFields: Decodable {
        let origin: String
        let size: UInt64
        let root_b64: String
    }

    struct Vector: Decodable {
        let name: String
        let vkeys: [String]?
        let skeys: [String: String]?
        let note: String?
        let expect: String?
        let checkpoint: CheckpointFields?
        let checkpoint_body: String?
        let log_seed_hex: String?
        let witness_seed_hex: String?
        let log_vkey: String?
        let witness_vkey: String?
        let cosignature_timestamp: UInt64?
        let cosigned_message: String?
    }

    let vectors: [Vector]

    static func load() throws -> SignedNoteVectors {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TransparencyTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures/vectors/c2sp-signed-note/signed_note_vectors.json")
        return try JSONDecoder().decode(SignedNoteVectors.self, from: Data(contentsOf: url))
    }

    static func vector(_ name: String) throws -> Vector {
        try XCTUnwrap(load().vectors.first { $0.name == name }, "no vector named \(name)")
    }
}

/// Asserts that `expression` throws exactly `expected`.
func assertNoteError<T>(
    _ expression: @autoclosure () throws -> T, _ expected: NoteError,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        XCTAssertEqual(error as? NoteError, expected, file: file, line: line)
    }
}

/// Asserts that `expression` throws a NoteError whose message contains every fragment.
func assertNoteError<T>(
    _ expression: @autoclosure () throws -> T, mentioning fragments: String...,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard let noteError = error as? NoteError else {
            return XCTFail("expected a NoteError, got \(error)", file: file, line: line)
        }
        for fragment in fragments {
            XCTAssertTrue(
                noteError.description.contains(fragment), "\"\(noteError)\" lacks \"\(fragment)\"", file: file, line: line)
        }
    }
}

final class SignedNoteVectorsTests: XCTestCase {
    /// Every vector with a note: valid ones parse, round-trip and verify with their vkeys,
    /// invalid ones are rejected.
    func testEveryNoteVector() throws {
        let vectors = try SignedNoteVectors.load().vectors
        XCTAssertEqual(vectors.count, 6)
        var valid = 0
        var invalid = 0
        for vector in vectors {
            guard let text = vector.note, let expect = vector.expect else { continue }
            let keys = try (vector.vkeys ?? [vector.log_vkey].compactMap { $0 }).map(NoteVerifierKey.init)
            let note = try SignedNote.parse(text)
            XCTAssertEqual(note.serialized, text, vector.name)
            XCTAssertEqual(try SignedNote.parse(bytes: Array(text.utf8)), note, vector.name)
            switch expect {
            case "valid":
                XCTAssertFalse(try note.verify(trusting: keys).isEmpty, vector.name)
                valid += 1
            case "invalid":
                XCTAssertThrowsError(try note.verify(trusting: keys), vector.name)
                XCTAssertEqual(note.verifiedSigners(keys), [], vector.name)
                invalid += 1
            default:
                XCTFail("\(vector.name): unknown expectation \(expect)")
            }
        }
        XCTAssertEqual(valid, 4)
        XCTAssertEqual(invalid, 1)
    }

    func testC2SPExample() throws {
        let vector = try SignedNoteVectors.vector("c2sp-signed-note-example")
        let key = try NoteVerifierKey(try XCTUnwrap(vector.vkeys?.first))
        XCTAssertEqual(key.name, "example.com/foo")
        XCTAssertEqual(key.keyID, 0x530d_903a)
        XCTAssertEqual(key.encoded, vector.vkeys?.first)
        let note = try SignedNote.parse(try XCTUnwrap(vector.note))
        XCTAssertEqual(note.text, "This is an example message.\n")
        XCTAssertEqual(note.signatures.map(\.name), ["example.com/foo"])
        XCTAssertEqual(note.signatures.first?.keyID, 0x530d_903a)
        XCTAssertEqual(note.signatures.first?.signature.count, 64)
        XCTAssertEqual(try note.verify(trusting: [key]), [key])
        XCTAssertEqual(note.verifiedSigners([key]), [key])
    }

    func testGoSumDBTwoSigners() throws {
        let vector = try SignedNoteVectors.vector("go-sumdb-note-two-signers")
        let keys = try XCTUnwrap(vector.vkeys).map(NoteVerifierKey.init)
        let note = try SignedNote.parse(try XCTUnwrap(vector.note))
        XCTAssertEqual(try note.verify(trusting: keys), keys)
        XCTAssertEqual(note.verifiedSigners(keys), keys)
        XCTAssertEqual(note.verifiedSigners([keys[1]]), [keys[1]])
        XCTAssertEqual(try note.verify(trusting: [keys[1]]), [keys[1]], "the other signer is unknown and ignored")
    }

    /// Ed25519 is deterministic: signing with the published skey reproduces the vector.
    func testSigningWithGoPrivateKeyReproducesTheSignature() throws {
        let vector = try SignedNoteVectors.vector("go-sumdb-note-two-signers")
        let skey = try XCTUnwrap(vector.skeys?["PeterNeumann"])
        let signer = try NoteSignerKey(skey)
        XCTAssertEqual(signer.encoded, skey)
        XCTAssertEqual(signer.verifierKey.encoded, vector.vkeys?.first)
        XCTAssertEqual(signer.keyID, 0xc74f_20a3)

        let parsed = try SignedNote.parse(try XCTUnwrap(vector.note))
        let signed = try SignedNote.sign(text: parsed.text, with: [signer])
        XCTAssertEqual(signed.signatures, [parsed.signatures[0]])
        XCTAssertEqual(
            signed.serialized,
            parsed.text + "\n" + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
        // Adding the other signer's existing line rebuilds the published note exactly.
        XCTAssertEqual(try signed.adding(signature: parsed.signatures[1]).serialized, vector.note)
    }

    func testTamperedTextFails() throws {
        let vector = try SignedNoteVectors.vector("go-sumdb-note-tampered-text")
        let key = try NoteVerifierKey(try XCTUnwrap(vector.vkeys?.first))
        let note = try SignedNote.parse(try XCTUnwrap(vector.note))
        XCTAssertEqual(note.signatures.map(\.name), ["PeterNeumann", "EnochRoot"], "unknown signers are kept")
        XCTAssertEqual(note.verifiedSigners([key]), [])
        assertNoteError(try note.verify(trusting: [key]), .invalidSignature(name: "PeterNeumann", keyID: 0xc74f_20a3))
    }

    func testSumGolangOrgCheckpoint() throws {
        let vector = try SignedNoteVectors.vector("sum.golang.org-checkpoint-6476701")
        let key = try NoteVerifierKey(try XCTUnwrap(vector.vkeys?.first))
        XCTAssertEqual(key.name, "sum.golang.org")
        XCTAssertEqual(key.keyID, 0x033d_e0ae)
        let note = try SignedNote.parse(try XCTUnwrap(vector.note))
        XCTAssertEqual(try note.verify(trusting: [key]), [key])

        let expected = try XCTUnwrap(vector.checkpoint)
        let checkpoint = try Checkpoint.parse(body: note.text)
        XCTAssertEqual(checkpoint.origin, expected.origin)
        XCTAssertEqual(checkpoint.size, expected.size)
        XCTAssertEqual(checkpoint.rootHash, try XCTUnwrap(Data(base64Encoded: expected.root_b64)).map { $0 })
        XCTAssertEqual(checkpoint.extensions, [])
        XCTAssertEqual(checkpoint.body, note.text)
    }
}
