import Crypto
import Transparency
import XCTest

final class CheckpointTests: XCTestCase {
    let root = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="

    /// golang/mod sumdb/tlog TestFormatTree: root = RFC 6962 leaf hash of "hello world".
    func testGoFormatTreeVector() throws {
        let vector = try SignedNoteVectors.vector("go-tlog-format-tree")
        let leafHash = SHA256.hash([0x00] + Array("hello world".utf8))
        let checkpoint = try Checkpoint(origin: "go.sum database tree", size: 123_456_789_012, root: leafHash)
        XCTAssertEqual(checkpoint.body, vector.checkpoint_body)
        XCTAssertEqual(try Checkpoint.parse(body: try XCTUnwrap(vector.checkpoint_body)), checkpoint)
    }

    func testRoundTripWithExtensions() throws {
        let body = "example.org/log\n0\n\(root)\nextension one\n— a dash is fine here\n"
        let checkpoint = try Checkpoint.parse(body: body)
        XCTAssertEqual(checkpoint.origin, "example.org/log")
        XCTAssertEqual(checkpoint.size, 0)
        XCTAssertEqual(checkpoint.extensions, ["extension one", "— a dash is fine here"])
        XCTAssertEqual(checkpoint.body, body)

        let largest = try Checkpoint.parse(body: "o\n18446744073709551615\n\(root)\n")
        XCTAssertEqual(largest.size, UInt64.max)
    }

    func testTreeSizeMustBeCanonicalDecimal() {
        for size in ["01", "00", "+1", "-1", " 1", "1 ", "1.0", "0x10", "", "١"] {
            assertNoteError(try Checkpoint.parse(body: "o\n\(size)\n\(root)\n"), mentioning: "line 2")
        }
        assertNoteError(try Checkpoint.parse(body: "o\n007\n\(root)\n"), .malformedCheckpoint(line: 2, reason: "tree size \"007\" has a leading zero"))
        assertNoteError(try Checkpoint.parse(body: "o\n18446744073709551616\n\(root)\n"), mentioning: "line 2", "64 bits")
    }

    func testRootHashMustBe32BytesOfCanonicalBase64() {
        // 31 bytes.
        assertNoteError(try Checkpoint.parse(body: "o\n1\n" + String(repeating: "A", count: 40) + "AA==\n"), mentioning: "line 3", "31 bytes")
        // Non-zero padding bits: decodes leniently elsewhere, never re-encodes the same.
        let nonCanonical = root.replacingOccurrences(of: "Qyg=", with: "Qyh=")
        assertNoteError(try Checkpoint.parse(body: "o\n1\n\(nonCanonical)\n"), mentioning: "line 3", "canonical")
        assertNoteError(try Checkpoint.parse(body: "o\n1\n\(root.dropLast())\n"), mentioning: "line 3")  // unpadded
        assertNoteError(try Checkpoint.parse(body: "o\n1\n \(root)\n"), mentioning: "line 3")
        assertNoteError(try Checkpoint(origin: "o", size: 1, rootHash: [1, 2, 3]), mentioning: "32 bytes")
    }

    func testStructuralErrorsNameTheLine() {
        assertNoteError(try Checkpoint.parse(body: "o\n1\n"), mentioning: "line 3", "at least three lines")
        assertNoteError(try Checkpoint.parse(body: "o\n1\n\(root)"), mentioning: "line 3", "newline")
        assertNoteError(try Checkpoint.parse(body: "\n1\n\(root)\n"), .malformedCheckpoint(line: 1, reason: "the origin is empty"))
        assertNoteError(try Checkpoint.parse(body: "o\n1\n\(root)\next\n\n"), .malformedCheckpoint(line: 5, reason: "the extension line is empty"))
        assertNoteError(try Checkpoint.parse(body: "o\r\n1\n\(root)\n"), mentioning: "line 1", "U+000D")
        assertNoteError(try Checkpoint.parse(body: "o\n1\n\(root)\nx\ty\n"), mentioning: "line 4", "U+0009")
        assertNoteError(try Checkpoint(origin: "a\nb", size: 1, rootHash: [UInt8](repeating: 0, count: 32)), mentioning: "line 1", "U+000A")
        assertNoteError(try Checkpoint(origin: "o", size: 1, rootHash: [UInt8](repeating: 0, count: 32), extensions: [""]), mentioning: "line 4")
    }

    func testSignedCheckpointRoundTrip() throws {
        let signer = try NoteSignerKey(name: "example.org/log", privateKey: Ed25519PrivateKey.generate())
        let checkpoint = try Checkpoint(origin: "example.org/log", size: 42, root: SHA256.hash(Array("x".utf8)))
        let note = try SignedNote.sign(text: checkpoint.body, with: [signer])
        let received = try SignedNote.parse(note.serialized)
        XCTAssertEqual(try received.verify(trusting: [signer.verifierKey]), [signer.verifierKey])
        XCTAssertEqual(try Checkpoint.parse(body: received.text), checkpoint)
    }
}
