import CanonicalJSON
import EventLog
import HTTP

extension LedgerService {
    /// `GET /v1/checkpoints/latest`: the newest signed checkpoint (a C2SP signed note) with its size and root.
    func latestCheckpoint(_ request: HTTPRequest) throws -> HTTPResponse {
        _ = try QueryParameters(request.query, allowed: [])
        guard let checkpoint = try store.storedCheckpoint() else {
            throw ProblemDetails(.notFound, "no-checkpoint", "the ledger has no signed checkpoint yet (`oda-ledger checkpoint` signs one)")
        }
        return Self.json([
            "size": .integer(checkpoint.size), "root": .string(checkpoint.root.hex),
            "note": .string(checkpoint.note), "recordedAt": .string(checkpoint.recordedAt.rfc3339),
        ])
    }

    /// `GET /v1/proofs/inclusion?seq=&size=`: the RFC 9162 audit path of event `seq` in the tree of the first `size` events.
    func inclusionProof(_ request: HTTPRequest) throws -> HTTPResponse {
        let query = try QueryParameters(request.query, allowed: ["seq", "size"])
        let seq = try query.requiredInteger("seq", in: 1 ... Int64.max)
        let size = try query.requiredInteger("size", in: 1 ... Int64.max)
        return try proofResponse {
            let proof = try store.inclusionProof(seq: seq, treeSize: size)
            return [
                "seq": .integer(seq), "leafIndex": .integer(seq - 1), "treeSize": .integer(size),
                "root": .string(try store.merkleRoot(size: size).hex), "proof": .array(proof.map { .string($0.hex) }),
            ]
        }
    }

    /// `GET /v1/proofs/consistency?from=&to=`: the RFC 9162 proof that the tree of `to` events extends the one of `from`.
    func consistencyProof(_ request: HTTPRequest) throws -> HTTPResponse {
        let query = try QueryParameters(request.query, allowed: ["from", "to"])
        let from = try query.requiredInteger("from", in: 0 ... Int64.max)
        let to = try query.requiredInteger("to", in: 0 ... Int64.max)
        return try proofResponse {
            let proof = try store.consistencyProof(from: from, to: to)
            return [
                "fromSize": .integer(from), "toSize": .integer(to),
                "fromRoot": .string(try store.merkleRoot(size: from).hex), "toRoot": .string(try store.merkleRoot(size: to).hex),
                "proof": .array(proof.map { .string($0.hex) }),
            ]
        }
    }

    /// A proof the ledger cannot give (beyond its size, out of order) is a 422 naming why.
    private func proofResponse(_ body: () throws -> JSONValue) throws -> HTTPResponse {
        do {
            return Self.json(try body())
        } catch let error as ProofRequestError {
            throw ProblemDetails(.unprocessableContent, "proof-out-of-range", error.description)
        }
    }
}
