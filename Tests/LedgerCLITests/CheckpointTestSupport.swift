import Crypto
import EventLog
import Foundation
import Transparency
import XCTest

/// Ledgers, checkpoints and copies for the checkpoint, proof, cosign and rotation tests.
extension CLIHarness {
    var verifierKeyFile: String { data + "/signing-key.vkey" }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// `init` and `count` events in `dataDirectory` (default `data`). Automatic checkpoints are
    /// off unless asked for, so each test decides which checkpoints exist.
    func makeLedger(events count: Int, in dataDirectory: String? = nil, autoCheckpoints: Bool = false) throws {
        let target = dataDirectory ?? data
        let created = run(["init", "--data", target])
        XCTAssertEqual(created.status, 0, created.stderr)
        if !autoCheckpoints {
            try "checkpoint.every_events = 0\ncheckpoint.every_minutes = 0\n".write(
                toFile: target + "/ledger.conf", atomically: true, encoding: .utf8)
        }
        if count > 0 { try append(count, offset: 0, to: target) }
    }

    func append(_ count: Int, offset: Int, to dataDirectory: String? = nil, amount: ((Int) -> String)? = nil) throws {
        var lines = eventLines(count, offset: offset)
        if let amount { lines = eventLines(count, offset: offset, amount: amount) }
        let result = run(["append", "--data", dataDirectory ?? data], stdin: lines)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// `oda-ledger checkpoint --out NAME`; returns the file's path.
    func checkpoint(_ name: String, in dataDirectory: String? = nil) throws -> String {
        let out = path(name)
        let result = run(["checkpoint", "--data", dataDirectory ?? data, "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        return out
    }

    /// A copy of the whole data directory (ledger file, WAL, keys), as someone with file access makes one.
    func copyData(to name: String) throws -> String {
        let copy = path(name)
        try FileManager.default.copyItem(atPath: data, toPath: copy)
        return copy
    }

    /// The auditor's own copy of the ledger's verifier key, taken now.
    func keepVerifierKey(as name: String) throws -> String {
        let copy = path(name)
        try FileManager.default.copyItem(atPath: verifierKeyFile, toPath: copy)
        return copy
    }

    func verifierKey(_ file: String? = nil) throws -> NoteVerifierKey {
        try NoteVerifierKey(String(contentsOfFile: file ?? verifierKeyFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The ledger's signing key, read the way the CLI reads it.
    func signer(_ dataDirectory: String? = nil) throws -> NoteSignerKey {
        let target = dataDirectory ?? data
        let store = try EventStore(openingAt: target + "/ledger.sqlite", access: .readOnly)
        return try NoteSignerKey(name: try store.origin(),
                                 privateKey: try Ed25519PrivateKey(pemRepresentation: try KeyFile.readSecret(at: target + "/signing-key.pem")))
    }

    func store(_ dataDirectory: String? = nil) throws -> EventStore {
        try EventStore(openingAt: (dataDirectory ?? data) + "/ledger.sqlite", access: .readOnly)
    }
}

/// Drops the append-only triggers of every table, as the first step of any tampering.
let dropAllTriggers = ["events", "streams", "merkle_nodes", "checkpoints", "cosignatures", "ledger_meta"].map { table in
    "DROP TRIGGER \(table)_are_append_only_update; DROP TRIGGER \(table)_are_append_only_delete;"
}.joined(separator: " ")
