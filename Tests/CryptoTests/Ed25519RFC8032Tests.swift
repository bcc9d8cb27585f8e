import Crypto
import XCTest

/// RFC 8032 §7.1: every vector's seed gives its public key and, Ed25519 being
/// deterministic, exactly its signature.
final class Ed25519RFC8032Tests: XCTestCase {
    struct File: Decodable {
        struct Vector: Decodable {
            let name: String
            let secret_key: String
            let public_key: String
            let message: String
            let signature: String
        }
        let vectors: [Vector]
    }

    func testEveryVector() throws {
        let file = try TestVectors.load(File.self, "rfc8032-ed25519/rfc8032_7_1.json")
        XCTAssertEqual(file.vectors.count, 5, "TEST 1, 2, 3, 1024 and SHA(abc)")
        for vector in file.vectors {
            let key = try Ed25519PrivateKey(seed: bytes(hex: vector.secret_key))
            let message = bytes(hex: vector.message)
            let expected = bytes(hex: vector.signature)
            XCTAssertEqual(key.seed, bytes(hex: vector.secret_key), vector.name)
            XCTAssertEqual(key.publicKey.rawRepresentation, bytes(hex: vector.public_key), vector.name)
            XCTAssertEqual(try key.signature(for: message), expected, vector.name)

            let publicKey = try Ed25519PublicKey(rawRepresentation: bytes(hex: vector.public_key))
            XCTAssertTrue(publicKey.isValidSignature(expected, for: message), vector.name)
            XCTAssertFalse(publicKey.isValidSignature(expected, for: message + [0]), vector.name)
            var flipped = expected
            flipped[10] ^= 0x01
            XCTAssertFalse(publicKey.isValidSignature(flipped, for: message), vector.name)
        }
    }
}
