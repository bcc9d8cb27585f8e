import Crypto
import Transparency
import XCTest

/// The signed-note trust rules and the key encodings.
final class SignedNoteVerificationTests: XCTestCase {
    func testTrustRules() throws {
        let log = try NoteSignerKey(name: "example.com/log", privateKey: Ed25519PrivateKey.generate())
        let mirror = try NoteSignerKey(name: "example.com/mirror", privateKey: Ed25519PrivateKey.generate())
        let stranger = try NoteSignerKey(name: "example.com/stranger", privateKey: Ed25519PrivateKey.generate())
        let note = try SignedNote.sign(text: "text\n", with: [stranger, log, mirror])

        XCTAssertEqual(try note.verify(trusting: [mirror.verifierKey, log.verifierKey]), [log.verifierKey, mirror.verifierKey])
        XCTAssertEqual(note.verifiedSigners([mirror.verifierKey, log.verifierKey, log.verifierKey]), [mirror.verifierKey, log.verifierKey])
        assertNoteError(
            try note.verify(trusting: []),
            .noTrustedSignature(signers: [stranger, log, mirror].map { "\($0.name)+\(hex($0.keyID))" }))

        // Same name, other key: a different key ID, so the line is simply not theirs.
        let impostor = try NoteVerifierKey(name: "example.com/log", publicKey: Ed25519PrivateKey.generate().publicKey)
        XCTAssertNotEqual(impostor.keyID, log.keyID)
        assertNoteError(try note.verify(trusting: [impostor]), mentioning: "no signature from a trusted key", "example.com/log+")
        XCTAssertEqual(note.verifiedSigners([impostor]), [])
    }

    /// A bad signature from a trusted key rejects the whole note, even beside a good one.
    func testOneBadTrustedSignatureRejectsTheNote() throws {
        let log = try NoteSignerKey(name: "log", privateKey: Ed25519PrivateKey.generate())
        let mirror = try NoteSignerKey(name: "mirror", privateKey: Ed25519PrivateKey.generate())
        let good = try SignedNote.sign(text: "text\n", with: [log])
        let forged = try NoteSignature(name: "mirror", keyID: mirror.keyID, signature: [UInt8](repeating: 7, count: 64))
        let note = try good.adding(signature: forged)
        assertNoteError(try note.verify(trusting: [log.verifierKey, mirror.verifierKey]), .invalidSignature(name: "mirror", keyID: mirror.keyID))
        XCTAssertEqual(note.verifiedSigners([log.verifierKey, mirror.verifierKey]), [log.verifierKey])
        XCTAssertEqual(try note.verify(trusting: [log.verifierKey]), [log.verifierKey], "an untrusted bad line is ignored")

        // A second, failing line from the same trusted key also counts against it.
        let doubled = try SignedNote(text: note.text, signatures: good.signatures + [
            try NoteSignature(name: "log", keyID: log.keyID, signature: [UInt8](repeating: 1, count: 64)),
        ])
        XCTAssertEqual(doubled.verifiedSigners([log.verifierKey]), [])
        assertNoteError(try doubled.verify(trusting: [log.verifierKey]), .invalidSignature(name: "log", keyID: log.keyID))
    }

    /// Two trusted keys with the same name and key ID cannot be told apart. The pair below
    /// is a real 32-bit key ID collision, found offline by hashing SHA-256("oda-collision-N")
    /// as 32-byte public keys for the name example.com/log (N = 83267 collides with an
    /// earlier N); both have key ID 8bb0b6c8.
    func testAmbiguousTrustListIsAnError() throws {
        let first = try NoteVerifierKey(
            name: "example.com/log",
            publicKey: Ed25519PublicKey(rawRepresentation: bytes("39c2d6c2c0754da44fd9857cd1bb8c3c2678cae3f2fef98f4cd9e90fca101005")))
        let second = try NoteVerifierKey(
            name: "example.com/log",
            publicKey: Ed25519PublicKey(rawRepresentation: bytes("89dd067146d7c39528d702d3be6e0a80445e9b26ebe2f5b4df7e285e64af0004")))
        XCTAssertEqual(first.keyID, 0x8bb0_b6c8)
        XCTAssertEqual(second.keyID, first.keyID)
        XCTAssertNotEqual(first, second)

        let line = try NoteSignature(name: "example.com/log", keyID: 0x8bb0_b6c8, signature: [UInt8](repeating: 0, count: 64))
        let note = try SignedNote(text: "text\n", signatures: [line])
        assertNoteError(try note.verify(trusting: [first, second]), .ambiguousKey(name: "example.com/log", keyID: 0x8bb0_b6c8))
        assertNoteError(try note.verify(trusting: [first, first]), .invalidSignature(name: "example.com/log", keyID: 0x8bb0_b6c8))
    }

    func testAddingReplacesTheSameKey() throws {
        let log = try NoteSignerKey(name: "log", privateKey: Ed25519PrivateKey.generate())
        let witness = try NoteSignerKey(name: "witness", privateKey: Ed25519PrivateKey.generate())
        let note = try SignedNote.sign(text: "text\n", with: [log, witness])
        let stale = try NoteSignature(name: "log", keyID: log.keyID, signature: [1, 2, 3])
        let replaced = try note.adding(signature: stale)
        XCTAssertEqual(replaced.signatures.map(\.name), ["witness", "log"])
        XCTAssertEqual(try replaced.signed(by: log).signatures, [note.signatures[1], note.signatures[0]])
        let sameNameOtherID = try NoteSignature(name: "log", keyID: log.keyID ^ 1, signature: [1])
        XCTAssertEqual(try note.adding(signature: sameNameOtherID).signatures.count, 3)
    }

    func testVerifierKeyEncoding() throws {
        let encoded = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
        let key = try NoteVerifierKey(encoded)
        XCTAssertEqual(key.encoded, encoded)
        XCTAssertEqual(try NoteVerifierKey(name: key.name, publicKey: key.publicKey), key)
        XCTAssertEqual(try NoteVerifierKey(encoded.replacingOccurrences(of: "530d903a", with: "530D903A")), key)

        assertNoteError(
            try NoteVerifierKey(encoded.replacingOccurrences(of: "530d903a", with: "530d903b")),
            .keyIDMismatch(name: "example.com/foo", stated: 0x530d_903b, computed: 0x530d_903a))
        assertNoteError(try NoteVerifierKey("example.com/foo+530d903a"), mentioning: "not name+keyid+base64key")
        assertNoteError(try NoteVerifierKey("example.com/foo"), mentioning: "not name+keyid+base64key")
        // A "+" in the name shifts the fields: the key ID field is then not hex.
        assertNoteError(try NoteVerifierKey("a+b+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), mentioning: "8 hex digits")
        assertNoteError(try NoteVerifierKey(encoded.replacingOccurrences(of: "530d903a", with: "530d903")), mentioning: "8 hex digits")
        assertNoteError(try NoteVerifierKey(encoded.replacingOccurrences(of: "530d903a", with: "530d903g")), mentioning: "8 hex digits")
        assertNoteError(try NoteVerifierKey("example.com/foo+530d903a+AekyeRrm"), mentioning: "32 bytes")
        assertNoteError(try NoteVerifierKey("example.com/foo+530d903a+"), mentioning: "base64")
        assertNoteError(try NoteVerifierKey(encoded + "\n"), mentioning: "base64")
        assertNoteError(try NoteVerifierKey(encoded + "="), mentioning: "base64")
        assertNoteError(try NoteVerifierKey("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), mentioning: "empty")
        assertNoteError(try NoteVerifierKey("exa mple+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), mentioning: "white space")
        assertNoteError(try NoteVerifierKey("x\u{00A0}y+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), mentioning: "U+00A0")
        // Type 0x02 (ECDSA) is not supported.
        assertNoteError(try NoteVerifierKey("example.com/foo+530d903a+AqkyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), mentioning: "0x02")
    }

    func testSignerKeyEncodingKeepsTheSecretOutOfMessages() throws {
        let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
        let secretPart = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
        let signer = try NoteSignerKey(skey)
        XCTAssertEqual(signer.verifierKey.encoded, "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        var dumped = ""
        dump(signer, to: &dumped)
        for text in [signer.description, String(reflecting: signer), dumped] {
            XCTAssertFalse(text.contains(secretPart), text)
            XCTAssertFalse(text.contains(Hex.encode(signer.privateKey.seed)), text)
        }

        let failures: [String] = [
            "PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+BIEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKD=",
            // No key ID: the secret's first base64 chunk lands in the key ID field.
            "PRIVATE+KEY+PeterNeumann+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxd+XHKDFz",
        ]
        for bad in failures {
            XCTAssertThrowsError(try NoteSignerKey(bad), bad) { error in
                XCTAssertFalse("\(error)".contains(secretPart.prefix(12)), "\(error)")
            }
        }
        assertNoteError(try NoteSignerKey(failures[1]), .keyIDMismatch(name: "PeterNeumann", stated: 0xc74f_20a4, computed: 0xc74f_20a3))
    }

    private func bytes(_ hex: String) throws -> [UInt8] { try XCTUnwrap(Hex.decode(hex)) }

    private func hex(_ id: UInt32) -> String {
        String(repeating: "0", count: 8 - String(id, radix: 16).count) + String(id, radix: 16)
    }
}
