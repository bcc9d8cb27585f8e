import CanonicalJSON
import Crypto
import Foundation
import Transparency

/// A change of the ledger's checkpoint-signing key, recorded in the log itself (spec §10).
///
/// The event is `SigningKeyRotated` in stream `ledger`; its payload names the retired and the new
/// verifier key and carries the retired key's Ed25519 signature over `message(previous:new:)`.
/// Because the statement is in the hash chain and under every later checkpoint, an auditor who
/// trusts only the original key can follow each rotation to the key that signs checkpoints today,
/// and nobody without the retired key can forge the step.
public struct KeyRotation: Sendable, Hashable {
    public static let stream = "ledger"
    public static let eventType = "SigningKeyRotated"
    public static let schemaVersion: Int64 = 1
    /// The first line of the signed message, which no checkpoint body or cosignature message can
    /// start with (a checkpoint's second line is a decimal size; a cosignature starts `cosignature/v1`).
    public static let messageHeader = "oda-ledger-key-rotation/v1"

    /// The key retired by this rotation; it signed the rotation.
    public let previousKey: NoteVerifierKey
    /// The key that signs checkpoints from this rotation on.
    public let newKey: NoteVerifierKey
    /// The 64-byte Ed25519 signature by `previousKey` over `message(previous:new:)`.
    public let signature: [UInt8]

    public init(previousKey: NoteVerifierKey, newKey: NoteVerifierKey, signature: [UInt8]) {
        self.previousKey = previousKey
        self.newKey = newKey
        self.signature = signature
    }

    /// The exact bytes the retired key signs: three lines, each ending in a line feed (0x0A):
    /// the header, the previous verifier key and the new verifier key, keys as written in
    /// `signing-key.vkey` (`name+keyid+base64`, key id in lowercase hex).
    public static func message(previous: NoteVerifierKey, new: NoteVerifierKey) -> [UInt8] {
        Array("\(messageHeader)\n\(previous.encoded)\n\(new.encoded)\n".utf8)
    }

    /// The rotation from `current` (the ledger's key now) to `new`, signed by `current`.
    public static func sign(from current: NoteSignerKey, to new: NoteVerifierKey) throws(KeyRotationError) -> KeyRotation {
        guard new.name == current.name else {
            throw .malformed("the new key is named \(new.name), but the ledger's keys are named \(current.name) (its origin)")
        }
        guard new != current.verifierKey else { throw .malformed("the new key is the current key") }
        do {
            let signature = try current.privateKey.signature(for: message(previous: current.verifierKey, new: new))
            return KeyRotation(previousKey: current.verifierKey, newKey: new, signature: signature)
        } catch {
            throw .malformed("signing the rotation failed: \(error)")
        }
    }

    /// Whether `previousKey` really signed this rotation.
    public var isSignedByPreviousKey: Bool {
        previousKey.publicKey.isValidSignature(signature, for: Self.message(previous: previousKey, new: newKey))
    }

    /// The event payload: `{"newKey", "previousKey", "signature"}`, the signature in standard
    /// base64 with padding.
    public var payload: JSONObject {
        var object = JSONObject()
        object["previousKey"] = .string(previousKey.encoded)
        object["newKey"] = .string(newKey.encoded)
        object["signature"] = .string(Base64.encode(signature))
        return object
    }

    /// The event to append to record this rotation.
    public var proposedEvent: ProposedEvent {
        do {
            return try ProposedEvent(stream: Self.stream, type: Self.eventType, schemaVersion: Self.schemaVersion, payload: payload)
        } catch {
            // The stream, type and payload are constants and strings: always valid.
            preconditionFailure("a key rotation is always a valid event: \(error)")
        }
    }

    /// Reads a recorded payload, refusing anything but the exact form `payload` writes: keys in
    /// canonical spelling (the signed message is rebuilt from them) and a 64-byte signature.
    public init(payload: JSONObject) throws(KeyRotationError) {
        let expected: Set<String> = ["previousKey", "newKey", "signature"]
        if let extra = payload.keys.first(where: { !expected.contains($0) }) {
            throw .malformed("the payload has an unknown member \(extra)")
        }
        previousKey = try Self.key(payload, "previousKey")
        newKey = try Self.key(payload, "newKey")
        guard let text = payload["signature"]?.stringValue, let bytes = Base64.decode(text), bytes.count == 64 else {
            throw .malformed("signature must be the standard base64 of a 64-byte Ed25519 signature")
        }
        signature = bytes
    }

    private static func key(_ payload: JSONObject, _ member: String) throws(KeyRotationError) -> NoteVerifierKey {
        guard let text = payload[member]?.stringValue else { throw .malformed("\(member) must be a verifier key string") }
        let key: NoteVerifierKey
        do {
            key = try NoteVerifierKey(text)
        } catch {
            throw .malformed("\(member): \(error)")
        }
        guard key.encoded == text else {
            throw .malformed("\(member) is not in canonical spelling (key id in lowercase hex): \(text)")
        }
        return key
    }
}

/// A rotation event that cannot be read.
public enum KeyRotationError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case let .malformed(reason): return "malformed key rotation: \(reason)"
        }
    }
}

/// Standard base64 with padding, accepting only the canonical spelling of each byte string.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func decode(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, let data = Data(base64Encoded: text) else { return nil }
        let bytes = [UInt8](data)
        return encode(bytes) == text ? bytes : nil
    }
}
