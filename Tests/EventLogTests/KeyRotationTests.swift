import CanonicalJSON
import Crypto
import EventLog
import Transparency
import XCTest

/// Spec §10: the rotation statement's exact bytes, and which keys a verifier accepts after
/// following the rotations recorded in a real ledger.
final class KeyRotationTests: XCTestCase {
    private let exampleOrigin = "oda-ledger/5c0a3e7d9b214f6e8a1d2c3b4f5e6a7b"

    func testWorkedExampleOfSpecSection10() throws {
        let old = try NoteSignerKey(name: exampleOrigin, privateKey: try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 32)))
        let new = try NoteSignerKey(name: exampleOrigin, privateKey: try Ed25519PrivateKey(seed: [UInt8](repeating: 2, count: 32)))
        XCTAssertEqual(old.verifierKey.encoded,
                       "oda-ledger/5c0a3e7d9b214f6e8a1d2c3b4f5e6a7b+98ad3f8b+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c")
        XCTAssertEqual(new.verifierKey.encoded,
                       "oda-ledger/5c0a3e7d9b214f6e8a1d2c3b4f5e6a7b+db1105f4+AYE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOU")
        let message = KeyRotation.message(previous: old.verifierKey, new: new.verifierKey)
        XCTAssertEqual(message.count, 223)
        XCTAssertEqual(SHA256.hash(message).hex, "051c9794de3915d3d9d890989077101acafac16e4e8234fdc439a9d57771efb2")
        XCTAssertEqual(String(decoding: message, as: UTF8.self),
                       "oda-ledger-key-rotation/v1\n\(old.verifierKey.encoded)\n\(new.verifierKey.encoded)\n")

        let rotation = try KeyRotation.sign(from: old, to: new.verifierKey)
        XCTAssertEqual(JSONValue.object(rotation.payload).canonicalString, #"{"newKey":"oda-ledger/5c0a3e7d9b214f6e8a1d2c3b4f5e6a7b+db1105f4+AYE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOU","previousKey":"oda-ledger/5c0a3e7d9b214f6e8a1d2c3b4f5e6a7b+98ad3f8b+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c","signature":"MElaMg2Vbh9Mql2UqwEyoCQLFmmP8d85lUJwjyj0kipk06O24CBRR/YC/5PynpcX7lpUk3v+ixV52/DdpjzUDQ=="}"#)
        XCTAssertTrue(rotation.isSignedByPreviousKey)
        XCTAssertEqual(try KeyRotation(payload: rotation.payload), rotation)
        XCTAssertEqual(rotation.proposedEvent.stream, "ledger")
        XCTAssertEqual(rotation.proposedEvent.type, "SigningKeyRotated")
    }

    func testPayloadsOutsideTheExactFormAreRefused() throws {
        let old = try signer(exampleOrigin)
        // The key hash is 8 random hex digits; only one with a letter in it has an upper-case
        // spelling that differs, so draw until it does (about 2 % of keys have none).
        var new = try signer(exampleOrigin)
        while !new.verifierKey.encoded.split(separator: "+")[1].contains(where: \.isLetter) { new = try signer(exampleOrigin) }
        let payload = try KeyRotation.sign(from: old, to: new.verifierKey).payload
        var extra = payload
        extra["reason"] = "scheduled"
        XCTAssertThrowsError(try KeyRotation(payload: extra)) { error in
            XCTAssertEqual(error as? KeyRotationError, .malformed("the payload has an unknown member reason"))
        }
        var upper = payload
        let parts = new.verifierKey.encoded.split(separator: "+", maxSplits: 2)
        upper["newKey"] = .string("\(parts[0])+\(parts[1].uppercased())+\(parts[2])")
        XCTAssertThrowsError(try KeyRotation(payload: upper)) { error in
            XCTAssertTrue("\(error)".contains("canonical spelling"), "\(error)")
        }
        var shortSignature = payload
        shortSignature["signature"] = "AAAA"
        XCTAssertThrowsError(try KeyRotation(payload: shortSignature))
        XCTAssertThrowsError(try KeyRotation.sign(from: old, to: try signer("someone-else").verifierKey))
    }

    func testTrustFollowsTheChainForwardFromTheAnchorOnly() throws {
        let (_, store, keys) = try rotatedLedger(rotations: 2)
        XCTAssertEqual(try store.signingKeyHistory(trusting: [keys[0].verifierKey]).trusted, keys.map(\.verifierKey))
        XCTAssertEqual(try store.signingKeyHistory(trusting: [keys[1].verifierKey]).trusted, [keys[1].verifierKey, keys[2].verifierKey])
        XCTAssertEqual(try store.signingKeyHistory(trusting: [keys[2].verifierKey]).trusted, [keys[2].verifierKey])
        let history = try store.signingKeyHistory(trusting: [])
        XCTAssertEqual(history.chain.map(\.seq), [4, 7])
        XCTAssertEqual(history.currentKey, keys[2].verifierKey)
        XCTAssertEqual(history.findings, [])
        let stranger = try signer(try store.origin()).verifierKey
        XCTAssertEqual(try store.signingKeyHistory(trusting: [stranger]).trusted, [stranger])
    }

    func testAForgedRotationIsReportedAndNotFollowed() throws {
        let (_, store, keys) = try rotatedLedger(rotations: 0)
        let attacker = try signer(try store.origin())
        // Claims to retire the ledger's key, but is signed by the attacker's own key.
        let forged = KeyRotation(
            previousKey: keys[0].verifierKey, newKey: attacker.verifierKey,
            signature: try attacker.privateKey.signature(for: KeyRotation.message(previous: keys[0].verifierKey, new: attacker.verifierKey)))
        XCTAssertFalse(forged.isSignedByPreviousKey)
        let seq = try store.append([forged.proposedEvent], actor: recorder)[0].event.seq
        let history = try store.signingKeyHistory(trusting: [keys[0].verifierKey])
        XCTAssertEqual(history.trusted, [keys[0].verifierKey])
        XCTAssertEqual(history.findings.map(\.seq), [seq])
        XCTAssertTrue(history.findings[0].detail.hasPrefix("forged key rotation: it is not signed by the key it retires"),
                      history.findings[0].detail)
    }

    func testARetiredKeyCannotSignASecondSuccessorNorBeReinstated() throws {
        let (_, store, keys) = try rotatedLedger(rotations: 1)
        let origin = try store.origin()
        let thief = try signer(origin)
        // The retired key (stolen, say) signs a rotation to the thief's key: validly signed, but off the chain.
        let graft = try store.append([try KeyRotation.sign(from: keys[0], to: thief.verifierKey).proposedEvent], actor: recorder)[0].event.seq
        // The current key rotates back to the retired one: keys are used once.
        let back = try store.append([try KeyRotation.sign(from: keys[1], to: keys[0].verifierKey).proposedEvent], actor: recorder)[0].event.seq
        let history = try store.signingKeyHistory(trusting: [keys[0].verifierKey])
        XCTAssertEqual(history.trusted, [keys[0].verifierKey, keys[1].verifierKey])
        XCTAssertEqual(history.findings.map(\.seq), [graft, back])
        XCTAssertTrue(history.findings[0].detail.contains("does not continue the chain"), history.findings[0].detail)
        XCTAssertTrue(history.findings[1].detail.contains("reinstates"), history.findings[1].detail)
        XCTAssertEqual(history.currentKey, keys[1].verifierKey)
    }

    func testKeysNamedForAnotherLedgerAreNotFollowed() throws {
        let (_, store, keys) = try rotatedLedger(rotations: 0)
        let other = try NoteSignerKey(name: "oda-ledger/00000000000000000000000000000000", privateKey: keys[0].privateKey)
        let rotation = try KeyRotation.sign(from: other, to: try signer(other.name).verifierKey)
        _ = try store.append([rotation.proposedEvent], actor: recorder)
        let history = try store.signingKeyHistory(trusting: [keys[0].verifierKey])
        XCTAssertEqual(history.chain, [])
        XCTAssertTrue(history.findings[0].detail.contains("not this ledger's origin"), history.findings[0].detail)
    }

    // MARK: - Helpers

    private func signer(_ name: String) throws -> NoteSignerKey {
        try NoteSignerKey(name: name, privateKey: try Ed25519PrivateKey.generate())
    }

    /// A ledger with three ordinary events, then `rotations` times a rotation and two events;
    /// returns the keys in order, the original first.
    private func rotatedLedger(rotations: Int) throws -> (TestLedger, EventStore, [NoteSignerKey]) {
        let ledger = try TestLedger()
        let store = try ledger.open()
        var keys = [try signer(try store.origin())]
        _ = try store.append((0..<3).map { proposed("project:a", "CommitmentRecorded", $0) }, actor: recorder)
        for _ in 0..<rotations {
            let next = try signer(try store.origin())
            _ = try store.append([try KeyRotation.sign(from: keys.last!, to: next.verifierKey).proposedEvent], actor: recorder)
            _ = try store.append((0..<2).map { proposed("project:a", "CommitmentRecorded", $0) }, actor: recorder)
            keys.append(next)
        }
        return (ledger, store, keys)
    }
}
