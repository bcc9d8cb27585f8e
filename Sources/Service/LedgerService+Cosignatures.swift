import CanonicalJSON
import EventLog
import HTTP
import Transparency

extension LedgerService {
    /// `GET /v1/checkpoints/{size}/cosignatures`: the checkpoint of that size and every
    /// cosignature (C2SP `cosignature/v1`) auditors have added to it.
    func cosignatures(size text: String, _ request: HTTPRequest) throws -> HTTPResponse {
        _ = try QueryParameters(request.query, allowed: [])
        let size = try Self.checkpointSize(text)
        guard let stored = try store.storedCheckpoint(size: size) else {
            throw ProblemDetails(.notFound, "no-checkpoint", "the ledger has no checkpoint of size \(size) (GET /v1/checkpoints/latest names the newest)")
        }
        return Self.json(try Self.cosignatureList(stored))
    }

    /// `POST /v1/checkpoints/{size}/cosignatures`: an auditor's cosignature of the checkpoint of
    /// that size, `{"cosigner": VKEY, "signature": LINE}` where VKEY is the auditor's cosignature
    /// verifier key (`name+keyid+base64`) and LINE the signature line (`— name base64`). The
    /// signature is verified against the checkpoint before it is kept; a second cosignature by the
    /// same cosigner keeps the first.
    func submitCosignature(size text: String, _ request: HTTPRequest) throws -> HTTPResponse {
        _ = try QueryParameters(request.query, allowed: [])
        let size = try Self.checkpointSize(text)
        let body = try Self.jsonObjectBody(request)
        for key in body.keys where key != "cosigner" && key != "signature" {
            throw ProblemDetails(.unprocessableContent, "invalid-cosignature", "the body takes cosigner and signature; \(key) is not one of them",
                                 extra: [("pointer", .string("/" + key))])
        }
        guard let keyText = body["cosigner"]?.stringValue else {
            throw ProblemDetails(.unprocessableContent, "invalid-cosignature", "cosigner must be the auditor's verifier key (name+keyid+base64)",
                                 extra: [("pointer", .string("/cosigner"))])
        }
        guard let line = body["signature"]?.stringValue else {
            throw ProblemDetails(.unprocessableContent, "invalid-cosignature", "signature must be the cosignature line (— name base64)",
                                 extra: [("pointer", .string("/signature"))])
        }
        let cosigner: CosignatureVerifierKey
        do { cosigner = try CosignatureVerifierKey(keyText) } catch {
            throw ProblemDetails(.unprocessableContent, "invalid-cosignature", "cosigner: \(error)", extra: [("pointer", .string("/cosigner"))])
        }
        guard let stored = try store.storedCheckpoint(size: size) else {
            throw ProblemDetails(.notFound, "no-checkpoint", "the ledger has no checkpoint of size \(size) (GET /v1/checkpoints/latest names the newest)")
        }
        // The line is read as a signature of the checkpoint's own text, so the note parser checks its form.
        let signature: NoteSignature
        do {
            let note = try SignedNote.parse(stored.note)
            guard let parsed = try SignedNote.parse(note.text + "\n" + line.trimmingCharacters(in: .newlines) + "\n").signatures.first,
                  line.filter({ $0 == "\n" }).count <= 1 else { throw NoteError.noSignatures }
            signature = parsed
        } catch {
            throw ProblemDetails(.unprocessableContent, "invalid-cosignature", "signature is not one note signature line (— name base64): \(error)",
                                 extra: [("pointer", .string("/signature"))])
        }
        guard signature.name == cosigner.name else {
            throw ProblemDetails(.unprocessableContent, "invalid-cosignature",
                "the signature line is by \(signature.name) but the key is \(cosigner.name)'s", extra: [("pointer", .string("/signature"))])
        }
        let cosigned: StoredCheckpoint
        do {
            cosigned = try store.addCosignature(signature, by: cosigner, size: size)
        } catch let error as NoteError {
            throw ProblemDetails(.unprocessableContent, "invalid-cosignature",
                "the cosignature does not verify against the checkpoint of size \(size) with that key: \(error)",
                extra: [("pointer", .string("/signature"))])
        }
        let added = !stored.note.contains(signature.line) && cosigned.note.contains(signature.line)
        return Self.json(try Self.cosignatureList(cosigned), status: added ? .created : .ok)
    }

    private static func checkpointSize(_ text: String) throws -> Int64 {
        guard let size = Int64(text), size >= 1 else {
            throw ProblemDetails(.badRequest, "bad-path", "the checkpoint size in the path must be a positive integer; it is \(text)")
        }
        return size
    }

    /// The checkpoint's size, root and note, and its cosignatures: every signature of the note but
    /// the log's own (the one named after the checkpoint's origin).
    private static func cosignatureList(_ stored: StoredCheckpoint) throws -> JSONValue {
        let note = try SignedNote.parse(stored.note)
        let origin = try Checkpoint.parse(body: note.text).origin
        let lines: [JSONValue] = note.signatures.filter { $0.name != origin }.map { signature in
            var object: JSONObject = ["name": .string(signature.name), "line": .string(signature.line)]
            if let cosignature = try? Cosignature(signature) { object["timestamp"] = .integer(Int64(clamping: cosignature.timestamp)) }
            return .object(object)
        }
        return [
            "size": .integer(stored.size), "root": .string(stored.root.hex), "note": .string(stored.note),
            "cosignatures": .array(lines),
        ]
    }
}
