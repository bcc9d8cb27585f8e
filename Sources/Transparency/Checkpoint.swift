import Crypto

/// A C2SP tlog-checkpoint: the note text a log signs to commit to its Merkle tree.
///
/// ```
/// <origin>
/// <tree size, decimal, no leading zeros>
/// <base64 of the 32-byte RFC 6962 root hash>
/// [extension lines]
/// ```
///
/// Parsing accepts only the canonical spelling of each line, so `parse(body:)` followed by
/// `body` gives back exactly the bytes that were signed.
public struct Checkpoint: Sendable, Hashable {
    /// The log's identity, e.g. `example.com/log42`; non-empty.
    public let origin: String
    /// The number of leaves in the tree.
    public let size: UInt64
    /// The RFC 6962 root hash at `size`: 32 bytes.
    public let rootHash: [UInt8]
    /// Optional opaque extension lines, each non-empty. Their use is NOT RECOMMENDED.
    public let extensions: [String]

    /// A checkpoint from parts, refusing anything that would not round-trip: an empty
    /// origin or extension line, a newline or control character in one, a root hash that
    /// is not 32 bytes.
    public init(origin: String, size: UInt64, rootHash: [UInt8], extensions: [String] = []) throws(NoteError) {
        try Self.validateLine(origin, line: 1, what: "origin")
        guard rootHash.count == 32 else {
            throw .malformedCheckpoint(line: 3, reason: "a root hash has 32 bytes, not \(rootHash.count)")
        }
        for (offset, line) in extensions.enumerated() {
            try Self.validateLine(line, line: 4 + offset, what: "extension line")
        }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// A checkpoint for a root hash computed by the Merkle tree code.
    public init(origin: String, size: UInt64, root: SHA256Digest, extensions: [String] = []) throws(NoteError) {
        try self.init(origin: origin, size: size, rootHash: root.bytes, extensions: extensions)
    }

    /// The note text: origin, size, root and extension lines, each ending in a newline.
    public var body: String {
        var lines = [origin, String(size), NoteBase64.encode(rootHash)]
        lines.append(contentsOf: extensions)
        return lines.map { $0 + "\n" }.joined()
    }

    /// Parses a checkpoint body (a signed note's `text`).
    public static func parse(body: String) throws(NoteError) -> Checkpoint {
        try SignedNote.checkCharacters(body) { line, reason in .malformedCheckpoint(line: line, reason: reason) }
        guard body.utf8.last == UInt8(ascii: "\n") else {
            let lineCount = body.split(separator: "\n", omittingEmptySubsequences: false).count
            throw .malformedCheckpoint(line: max(lineCount, 1), reason: "the last line does not end with a newline")
        }
        let lines = body.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else {
            throw .malformedCheckpoint(
                line: lines.count + 1,
                reason: "a checkpoint has at least three lines (origin, tree size, root hash); found \(lines.count)")
        }
        try validateLine(lines[0], line: 1, what: "origin")
        let size = try parseSize(lines[1])
        guard let root = NoteBase64.decode(lines[2]) else {
            throw .malformedCheckpoint(line: 3, reason: "root hash \"\(lines[2])\" is not canonical standard base64")
        }
        guard root.count == 32 else {
            throw .malformedCheckpoint(line: 3, reason: "root hash has \(root.count) bytes; a SHA-256 root has 32")
        }
        return try Checkpoint(origin: lines[0], size: size, rootHash: root, extensions: Array(lines[3...]))
    }

    private static func parseSize(_ text: String) throws(NoteError) -> UInt64 {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .malformedCheckpoint(line: 2, reason: "tree size \"\(text)\" is not a decimal number")
        }
        guard text == "0" || !text.hasPrefix("0") else {
            throw .malformedCheckpoint(line: 2, reason: "tree size \"\(text)\" has a leading zero")
        }
        guard let size = UInt64(text) else {
            throw .malformedCheckpoint(line: 2, reason: "tree size \(text) does not fit in 64 bits")
        }
        return size
    }

    private static func validateLine(_ text: String, line: Int, what: String) throws(NoteError) {
        guard !text.isEmpty else { throw .malformedCheckpoint(line: line, reason: "the \(what) is empty") }
        for scalar in text.unicodeScalars where scalar.value < 0x20 {
            throw .malformedCheckpoint(
                line: line, reason: "the \(what) contains \(NoteKeyEncoding.codePoint(scalar)); it must be a single line without control characters")
        }
    }
}
