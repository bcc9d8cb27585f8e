import Crypto
import EventLog
import Foundation
import Transparency

extension DataDirectory {
    /// The verifier key of the current signing key (spec §7: `name+keyid+base64`), what
    /// auditors copy and pass to `verify --key` and `Tools/verify_ledger.py --key`.
    var verifierKeyFile: String { path + "/signing-key.vkey" }
    /// A new key that `rotate-key` has written but not yet put in place.
    var pendingSigningKeyFile: String { path + "/signing-key.next.pem" }
    /// Where `rotate-key` keeps a retired key, named by its key id (8 hex digits).
    func retiredSigningKeyFile(_ key: NoteVerifierKey) -> String { path + "/signing-key.\(LedgerKeys.keyIDHex(key)).pem" }
    func retiredVerifierKeyFile(_ key: NoteVerifierKey) -> String { path + "/signing-key.\(LedgerKeys.keyIDHex(key)).vkey" }
}

/// The ledger's Ed25519 keys as the command line finds them in the data directory.
enum LedgerKeys {
    /// The current signing key, named as the ledger's origin (spec §7). Read with
    /// `KeyFile.readSecret`, so a key file that group or others can read is refused.
    static func signer(_ directory: DataDirectory, origin: String) throws -> NoteSignerKey {
        try signer(at: directory.signingKeyFile, origin: origin)
    }

    static func signer(at path: String, origin: String) throws -> NoteSignerKey {
        do {
            let pem = try KeyFile.readSecret(at: path)
            return try NoteSignerKey(name: origin, privateKey: try Ed25519PrivateKey(pemRepresentation: pem))
        } catch {
            throw CommandFailure("cannot load the ledger's signing key: \(error)")
        }
    }

    /// The verifier keys the data directory vouches for: `signing-key.vkey` (derived from
    /// `signing-key.pem` for a ledger created before that file existed) and the retired keys
    /// `signing-key.<key id>.vkey` kept by `rotate-key`. The default trust of `verify`, `prove`
    /// and `cosign`; an auditor passes their own copy with `--key` instead.
    static func localAnchors(_ directory: DataDirectory, origin: String) throws -> [NoteVerifierKey] {
        var keys: [NoteVerifierKey] = []
        if FileManager.default.fileExists(atPath: directory.verifierKeyFile) {
            keys.append(try readVerifierKey(file: directory.verifierKeyFile))
        } else {
            keys.append(try signer(directory, origin: origin).verifierKey)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names.sorted() where isRetiredVerifierKeyName(name) {
            let key = try readVerifierKey(file: directory.path + "/" + name)
            if !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// `signing-key.<8 hex digits>.vkey`.
    private static func isRetiredVerifierKeyName(_ name: String) -> Bool {
        guard name.hasPrefix("signing-key."), name.hasSuffix(".vkey") else { return false }
        let middle = name.dropFirst("signing-key.".count).dropLast(".vkey".count)
        return middle.count == 8 && middle.allSatisfy(\.isHexDigit)
    }

    /// A verifier key given on the command line: `name+keyid+base64`, or a file holding one.
    static func verifierKey(argument: String, option: String) throws -> NoteVerifierKey {
        if FileManager.default.fileExists(atPath: argument) {
            return try readVerifierKey(file: argument)
        }
        guard argument.contains("+") else {
            throw CommandFailure("--\(option): \(argument) is neither a file nor a verifier key (name+keyid+base64, as in signing-key.vkey)")
        }
        do {
            return try NoteVerifierKey(argument)
        } catch {
            throw CommandFailure("--\(option): \(error)")
        }
    }

    static func readVerifierKey(file: String) throws -> NoteVerifierKey {
        let text = try TextFile.read(file, what: "verifier key")
        do {
            return try NoteVerifierKey(text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw CommandFailure("\(file): \(error)")
        }
    }

    /// The keys a command may trust for this ledger's checkpoints: those of `--<option>` when
    /// given, else the data directory's, each followed through the rotations in the log.
    static func history(_ store: EventStore, _ directory: DataDirectory, key argument: String?, option: String) throws
        -> SigningKeyHistory {
        let anchors = try argument.map { [try verifierKey(argument: $0, option: option)] }
            ?? localAnchors(directory, origin: try store.origin())
        return try store.signingKeyHistory(trusting: anchors)
    }

    /// A key id as 8 lowercase hex digits, as it appears in verifier keys and file names.
    static func keyIDHex(_ key: NoteVerifierKey) -> String {
        let hex = String(key.keyID, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
