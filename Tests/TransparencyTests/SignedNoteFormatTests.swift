import Crypto
import Transparency
import XCTest

/// The signed-note format: what parses, what does not, and which line the error names.
final class SignedNoteFormatTests: XCTestCase {
    /// A syntactically valid signature line (key ID 01020304, 4 signature bytes).
    let line = "— someone AQIDBAUGBwg="

    func testMinimalNoteRoundTrips() throws {
        let text = "hello\n\n\(line)\n"
        let note = try SignedNote.parse(text)
        XCTAssertEqual(note.text, "hello\n")
        XCTAssertEqual(note.signatures, [try NoteSignature(name: "someone", keyID: 0x0102_0304, signature: [5, 6, 7, 8])])
        XCTAssertEqual(note.serialized, text)
    }

    /// The last blank line separates text from signatures, so text may hold blank lines.
    func testTextMayContainBlankLines() throws {
        let note = try SignedNote.parse("a\n\nb\n\n\n\(line)\n")
        XCTAssertEqual(note.text, "a\n\nb\n\n")
        let lookalike = try SignedNote.parse("a\n\n\(line)\n\n\(line)\n")
        XCTAssertEqual(lookalike.text, "a\n\n\(line)\n", "an earlier signature-like block is text")
        XCTAssertEqual(lookalike.signatures.count, 1)
    }

    func testStructuralErrorsNameTheLine() {
        assertNoteError(try SignedNote.parse("hello\n\(line)\n"), mentioning: "line 2", "no blank line")
        assertNoteError(try SignedNote.parse(""), mentioning: "line 1", "no blank line")
        assertNoteError(try SignedNote.parse("hello\n\n"), .malformedNote(line: 2, reason: "the blank line is not followed by any signature line"))
        assertNoteError(try SignedNote.parse("hello\n\n\(line)"), mentioning: "line 3", "does not end with a newline")
        assertNoteError(try SignedNote.parse("a\nb\n\n\(line)\n- x AQIDBAUGBwg=\n"), mentioning: "line 5", "U+2014")
        assertNoteError(try SignedNote.parse("a\n\n– x AQIDBAUGBwg=\n"), mentioning: "line 3", "U+2014")  // en dash
        assertNoteError(try SignedNote.parse("a\n\n—x AQIDBAUGBwg=\n"), mentioning: "line 3", "U+2014")
        assertNoteError(try SignedNote.parse("a\n\n— someone\n"), mentioning: "line 3", "no space")
        assertNoteError(try SignedNote.parse("a\n\n— some+one AQIDBAUGBwg=\n"), mentioning: "line 3", "+")
        assertNoteError(try SignedNote.parse("a\n\n—  AQIDBAUGBwg=\n"), mentioning: "line 3", "empty")
        assertNoteError(try SignedNote.parse("a\n\n— x AQIDBAUGBwg\n"), mentioning: "line 3", "base64")  // unpadded
        assertNoteError(try SignedNote.parse("a\n\n— x AQIDBAUGBwg= \n"), mentioning: "line 3", "base64")
        assertNoteError(try SignedNote.parse("a\n\n— x AQIDBAUGBwh=\n"), mentioning: "line 3", "canonical")
        assertNoteError(try SignedNote.parse("a\n\n— x AQIDBA==\n"), mentioning: "line 3", "4 bytes")
        assertNoteError(try SignedNote.parse("a\n\n— x \n"), mentioning: "line 3", "base64")
    }

    func testControlCharactersAreRefused() {
        assertNoteError(try SignedNote.parse("a\r\n\n\(line)\n"), mentioning: "line 1", "U+000D")
        assertNoteError(try SignedNote.parse("a\nb\tc\n\n\(line)\n"), mentioning: "line 2", "U+0009")
        assertNoteError(try SignedNote.parse("a\n\n\(line)\r\n"), mentioning: "line 3", "U+000D")
        assertNoteError(try SignedNote.parse("a\u{0}\n\n\(line)\n"), mentioning: "line 1", "U+0000")
    }

    func testInvalidUTF8IsRefusedWithItsLine() throws {
        var bytes = Array("first\nsec".utf8)
        bytes += [0xC3, 0x28]  // a truncated two-byte sequence
        bytes += Array("ond\n\n\(line)\n".utf8)
        assertNoteError(try SignedNote.parse(bytes: bytes), .malformedNote(line: 2, reason: "not valid UTF-8"))
        assertNoteError(try SignedNote.parse(bytes: [0xFF] + Array("\n\n\(line)\n".utf8)), .malformedNote(line: 1, reason: "not valid UTF-8"))
        XCTAssertEqual(try SignedNote.parse(bytes: Array("é\n\n\(line)\n".utf8)).text, "é\n")
    }

    func testSignatureCountIsBounded() throws {
        let hundred = Array(repeating: line, count: 100).joined(separator: "\n")
        XCTAssertEqual(try SignedNote.parse("a\n\n\(hundred)\n").signatures.count, 100)
        assertNoteError(try SignedNote.parse("a\n\n\(hundred)\n\(line)\n"), .tooManySignatures(101))

        let signature = try NoteSignature(name: "x", keyID: 1, signature: [1])
        assertNoteError(try SignedNote(text: "a\n", signatures: Array(repeating: signature, count: 101)), .tooManySignatures(101))
        assertNoteError(try SignedNote(text: "a\n", signatures: []), .noSignatures)
        assertNoteError(try SignedNote.sign(text: "a\n", with: []), .noSignatures)
    }

    func testTextToSignIsChecked() throws {
        let signer = try NoteSignerKey(name: "s", privateKey: Ed25519PrivateKey.generate())
        assertNoteError(try SignedNote.sign(text: "no newline", with: [signer]), mentioning: "end with a newline")
        assertNoteError(try SignedNote.sign(text: "", with: [signer]), mentioning: "empty")
        assertNoteError(try SignedNote.sign(text: "a\r\n", with: [signer]), mentioning: "line 1", "U+000D")
        assertNoteError(try NoteSignature(name: "x", keyID: 1, signature: []), mentioning: "empty")
        assertNoteError(try NoteSignature(name: "a b", keyID: 1, signature: [1]), mentioning: "white space")
    }

    /// Any text ending in a newline survives signing, serializing and parsing, blank lines
    /// and signature look-alikes included.
    func testSignParseRoundTripForAwkwardTexts() throws {
        let signer = try NoteSignerKey(name: "example.com/s", privateKey: Ed25519PrivateKey.generate())
        for text in ["\n", "\n\n", "a\n\n", "a\n\n\(line)\n", "— x y\n", "Ognuno sta solo\n\ned è subito sera.\n"] {
            let note = try SignedNote.sign(text: text, with: [signer])
            let parsed = try SignedNote.parse(note.serialized)
            XCTAssertEqual(parsed, note, text.debugDescription)
            XCTAssertEqual(try parsed.verify(trusting: [signer.verifierKey]), [signer.verifierKey], text.debugDescription)
        }
    }
}
