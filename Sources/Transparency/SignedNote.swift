import Crypto

/// A C2SP signed note: a UTF-8 text ending in a newline, a blank line, and one or more
/// signature lines `— name base64(key ID ‖ signature)`.
///
/// Parsing checks the format only; it keeps every signature line, from known keys or not,
/// in order, so `serialized` reproduces a parsed note byte for byte. Trust is decided
/// separately, against keys the caller configured: `verify(trusting:)` applies the
/// signed-note rules in full, `verifiedSigners(_:)` just reports which keys signed.
public struct SignedNote: Sendable, Hashable {
    /// The most signature lines accepted. signed-note requires accepting at least 16; Go's
    /// implementation stops at 100, and so does this one, bounding the work an untrusted
    /// note can cause.
    public static let maximumSignatures = 100

    /// The signed text, including its final newline but not the separating blank line.
    public let text: String
    /// The signature lines in note order.
    public let signatures: [NoteSignature]

    /// A note from parts. The text must end in a newline and hold no control character
    /// other than newline; there must be 1 to `maximumSignatures` signatures.
    public init(text: String, signatures: [NoteSignature]) throws(NoteError) {
        try Self.validateText(text)
        guard !signatures.isEmpty else { throw .noSignatures }
        guard signatures.count <= Self.maximumSignatures else { throw .tooManySignatures(signatures.count) }
        self.text = text
        self.signatures = signatures
    }

    /// Signs `text` with each signer, in order.
    public static func sign(text: String, with signers: [NoteSignerKey]) throws(NoteError) -> SignedNote {
        var signatures: [NoteSignature] = []
        for signer in signers { signatures.append(try signer.sign(text)) }
        return try SignedNote(text: text, signatures: signatures)
    }

    /// The note as it is sent and stored: text, blank line, signature lines.
    public var serialized: String {
        var out = text + "\n"
        for signature in signatures { out += signature.line + "\n" }
        return out
    }

    /// This note with `signature` added after the existing ones. An existing signature with
    /// the same name and key ID is replaced, as Go's `note.Sign` does, so re-signing or
    /// re-cosigning never accumulates stale lines.
    public func adding(signature: NoteSignature) throws(NoteError) -> SignedNote {
        let kept = signatures.filter { !($0.name == signature.name && $0.keyID == signature.keyID) }
        return try SignedNote(text: text, signatures: kept + [signature])
    }

    /// This note with a signature by `signer` added (replacing an older one by the same key).
    public func signed(by signer: NoteSignerKey) throws(NoteError) -> SignedNote {
        try adding(signature: signer.sign(text))
    }

    // MARK: - Verification

    /// The keys among `keys` that signed this note: a key is listed when the note has at least
    /// one line with its name and key ID and every such line verifies. Lines from other keys
    /// are ignored. An empty result means no listed key vouches for the text.
    public func verifiedSigners(_ keys: [NoteVerifierKey]) -> [NoteVerifierKey] {
        var result: [NoteVerifierKey] = []
        for key in keys where !result.contains(key) {
            let lines = signatures.filter { $0.name == key.name && $0.keyID == key.keyID }
            if !lines.isEmpty && lines.allSatisfy({ key.isValidSignature($0, for: text) }) {
                result.append(key)
            }
        }
        return result
    }

    /// Verifies the note as signed-note prescribes: lines from unknown keys are ignored,
    /// every line from a trusted key must verify, and at least one must exist.
    /// Returns the trusted keys that signed, in the order of their first line.
    ///
    /// - Throws: `invalidSignature` if a trusted key's line fails (the text was altered),
    ///   `noTrustedSignature` if no trusted key signed, `ambiguousKey` if two trusted keys
    ///   share a name and key ID.
    public func verify(trusting keys: [NoteVerifierKey]) throws(NoteError) -> [NoteVerifierKey] {
        var verified: [NoteVerifierKey] = []
        for signature in signatures {
            let matching = Set(keys.filter { $0.name == signature.name && $0.keyID == signature.keyID })
            guard let key = matching.first else { continue }
            guard matching.count == 1 else { throw .ambiguousKey(name: signature.name, keyID: signature.keyID) }
            guard key.isValidSignature(signature, for: text) else {
                throw .invalidSignature(name: signature.name, keyID: signature.keyID)
            }
            if !verified.contains(key) { verified.append(key) }
        }
        guard !verified.isEmpty else {
            throw .noTrustedSignature(signers: signatures.map { "\($0.name)+\(NoteKeyEncoding.hex($0.keyID))" })
        }
        return verified
    }

    // MARK: - Parsing

    /// Parses a note received as bytes, reporting invalid UTF-8 with its line.
    public static func parse(bytes: [UInt8]) throws(NoteError) -> SignedNote {
        var line = 1
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): if scalar == "\n" { line += 1 }
            case .emptyInput: break decoding
            case .error: throw .malformedNote(line: line, reason: "not valid UTF-8")
            }
        }
        return try parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses a note: text, the last blank line in the note, then signature lines.
    public static func parse(_ note: String) throws(NoteError) -> SignedNote {
        try checkCharacters(note) { line, reason in .malformedNote(line: line, reason: reason) }

        let bytes = Array(note.utf8)
        let newline = UInt8(ascii: "\n")
        // The text ends at the last blank line: signature lines are never empty.
        var split: Int?
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == newline && bytes[index + 1] == newline { split = index; break }
            index -= 1
        }
        let totalLines = bytes.reduce(0) { $0 + ($1 == newline ? 1 : 0) } + (bytes.last == newline ? 0 : 1)
        guard let split else {
            throw .malformedNote(
                line: max(totalLines, 1),
                reason: "no blank line separates the text from signature lines; a signed note is text, a blank line, then lines \"— name signature\"")
        }
        let text = String(decoding: bytes[...split], as: UTF8.self)
        let textLines = text.utf8.reduce(0) { $0 + ($1 == newline ? 1 : 0) }
        let block = bytes[(split + 2)...]
        guard !block.isEmpty else {
            throw .malformedNote(line: textLines + 1, reason: "the blank line is not followed by any signature line")
        }
        guard block.last == newline else {
            throw .malformedNote(line: totalLines, reason: "the last signature line does not end with a newline")
        }

        var signatures: [NoteSignature] = []
        var lineNumber = textLines + 1  // the blank line
        for rawLine in block.dropLast().split(separator: newline, omittingEmptySubsequences: false) {
            lineNumber += 1
            guard signatures.count < maximumSignatures else { throw .tooManySignatures(signatures.count + 1) }
            signatures.append(try parseSignatureLine(String(decoding: rawLine, as: UTF8.self), line: lineNumber))
        }
        return try SignedNote(text: text, signatures: signatures)
    }

    private static func parseSignatureLine(_ line: String, line number: Int) throws(NoteError) -> NoteSignature {
        guard line.hasPrefix(NoteSignature.linePrefix) else {
            let reason = line.isEmpty
                ? "empty line among the signature lines (only the last blank line may separate text and signatures)"
                : "a signature line must start with \"— \" (U+2014 EM DASH, space)"
            throw .malformedNote(line: number, reason: reason)
        }
        let rest = line.dropFirst(NoteSignature.linePrefix.count)
        guard let space = rest.firstIndex(of: " ") else {
            throw .malformedNote(line: number, reason: "a signature line is \"— name base64signature\"; no space after the name")
        }
        let name = String(rest[..<space])
        let encoded = rest[rest.index(after: space)...]
        do {
            try NoteKeyEncoding.validateName(name)
        } catch {
            throw .malformedNote(line: number, reason: error.description)
        }
        guard let payload = NoteBase64.decode(encoded) else {
            throw .malformedNote(line: number, reason: "the signature of \(name) is not canonical standard base64")
        }
        guard payload.count >= 5 else {
            throw .malformedNote(
                line: number, reason: "the signature of \(name) has \(payload.count) bytes; a 4-byte key ID and a signature are needed")
        }
        return try NoteSignature(
            name: name, keyID: NoteKeyEncoding.readUInt32(payload[0..<4]), signature: Array(payload[4...]))
    }

    /// A text that can be signed: ends in a newline, no control characters but newline.
    static func validateText(_ text: String) throws(NoteError) {
        try checkCharacters(text) { line, reason in .invalidText("line \(line): \(reason)") }
        guard text.utf8.last == UInt8(ascii: "\n") else {
            throw .invalidText(text.isEmpty ? "the text is empty; it must be at least one line ending in a newline" : "the text must end with a newline")
        }
    }

    /// signed-note forbids every ASCII control character except newline (so no "\r", no tab).
    static func checkCharacters(
        _ text: String, _ error: (Int, String) -> NoteError
    ) throws(NoteError) {
        var line = 1
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                line += 1
            } else if scalar.value < 0x20 {
                throw error(line, "control character \(NoteKeyEncoding.codePoint(scalar)) is not allowed (only newline is)")
            }
        }
    }
}
