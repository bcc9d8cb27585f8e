import Crypto
import Dispatch
import Foundation
import XCTest

final class Ed25519KeyTests: XCTestCase {
    /// RFC 8032 TEST 1.
    let seed = bytes(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    let publicBytes = bytes(hex: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")

    /// TEST 1's key as `openssl pkey` writes it, for interoperability with keys made by hand.
    let opensslPrivatePEM = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
        -----END PRIVATE KEY-----

        """
    let opensslPublicPEM = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
        -----END PUBLIC KEY-----

        """

    func testPrivateKeyPEMIsPKCS8AndRoundTrips() throws {
        let key = try Ed25519PrivateKey(seed: seed)
        let pem = key.pemRepresentation
        XCTAssertEqual(pem, opensslPrivatePEM)
        XCTAssertEqual(try derBody(of: pem, label: "PRIVATE KEY"), bytes(hex: "302e020100300506032b657004220420") + seed)

        let decoded = try Ed25519PrivateKey(pemRepresentation: pem)
        XCTAssertEqual(decoded.seed, seed)
        XCTAssertEqual(decoded.publicKey, key.publicKey)

        let generated = try Ed25519PrivateKey.generate()
        let reread = try Ed25519PrivateKey(pemRepresentation: generated.pemRepresentation)
        XCTAssertEqual(reread.seed, generated.seed)
        XCTAssertEqual(try reread.signature(for: [1, 2, 3]), try generated.signature(for: [1, 2, 3]))
    }

    func testPublicKeyPEMIsSubjectPublicKeyInfoAndRoundTrips() throws {
        let key = try Ed25519PublicKey(rawRepresentation: publicBytes)
        XCTAssertEqual(key.pemRepresentation, opensslPublicPEM)
        XCTAssertEqual(
            try derBody(of: key.pemRepresentation, label: "PUBLIC KEY"),
            bytes(hex: "302a300506032b6570032100") + publicBytes)
        XCTAssertEqual(try Ed25519PublicKey(pemRepresentation: opensslPublicPEM), key)
    }

    func testPEMOfAnotherKeyTypeIsRefused() {
        let x25519Private = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VuBCIEICC4YYxW6B+faxif+YMimgrh99BZqUErd/Vnwciyo5BC
            -----END PRIVATE KEY-----
            """
        let x25519Public = """
            -----BEGIN PUBLIC KEY-----
            MCowBQYDK2VuAyEA9ub7GDO0WNXoXSiseLijc5ro5d42B+aIc1wO5cJA4x4=
            -----END PUBLIC KEY-----
            """
        assertInvalidEncoding(try Ed25519PrivateKey(pemRepresentation: x25519Private), containing: "X25519")
        assertInvalidEncoding(try Ed25519PublicKey(pemRepresentation: x25519Public), containing: "X25519")
        assertInvalidEncoding(try Ed25519PublicKey(pemRepresentation: opensslPrivatePEM), containing: "PEM")
    }

    func testEncryptedAndGarbledPEMAreRefusedWithOpenSSLDetail() {
        // Encrypted with "secret": refused outright, never a passphrase prompt.
        let encrypted = """
            -----BEGIN ENCRYPTED PRIVATE KEY-----
            MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjuWP+/PQZsqwICCAAw
            DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEJ4q0bmZ7JCPjIr5H+o1HdgEQPxt
            H3r+N4vpyGH4XYZ9ChczEe8+u3MqsIWNYVkz7V+0vCTouaEHTbQRXgEHroQsaAdo
            Ni390fPYPP96ikfD9bs=
            -----END ENCRYPTED PRIVATE KEY-----
            """
        assertInvalidEncoding(try Ed25519PrivateKey(pemRepresentation: encrypted), containing: "PEM_read_bio_PrivateKey")
        assertInvalidEncoding(try Ed25519PrivateKey(pemRepresentation: "not a key"), containing: "no PEM block found")
        assertInvalidEncoding(try Ed25519PrivateKey(pemRepresentation: ""), containing: "empty")
        let truncated = String(opensslPrivatePEM.dropLast(30))
        assertInvalidEncoding(try Ed25519PrivateKey(pemRepresentation: truncated), containing: "PEM")
    }

    func testWrongLengthsAreInvalidEncodings() throws {
        assertInvalidEncoding(try Ed25519PublicKey(rawRepresentation: Array(publicBytes.dropLast())), containing: "32 bytes, not 31")
        assertInvalidEncoding(try Ed25519PublicKey(rawRepresentation: []), containing: "32 bytes, not 0")
        assertInvalidEncoding(try Ed25519PrivateKey(seed: seed + [0]), containing: "32 bytes, not 33")

        let key = try Ed25519PrivateKey(seed: seed)
        let signature = try key.signature(for: [])
        XCTAssertTrue(key.publicKey.isValidSignature(signature, for: []))
        XCTAssertFalse(key.publicKey.isValidSignature(Array(signature.dropLast()), for: []))
        XCTAssertFalse(key.publicKey.isValidSignature(signature + [0], for: []))
        XCTAssertFalse(key.publicKey.isValidSignature([], for: []))
    }

    func testGeneratedKeysDifferAndSign() throws {
        let a = try Ed25519PrivateKey.generate()
        let b = try Ed25519PrivateKey.generate()
        XCTAssertNotEqual(a.seed, b.seed)
        XCTAssertNotEqual(a.publicKey, b.publicKey)
        let message = Array("checkpoint".utf8)
        XCTAssertTrue(a.publicKey.isValidSignature(try a.signature(for: message), for: message))
        XCTAssertFalse(b.publicKey.isValidSignature(try a.signature(for: message), for: message))
        XCTAssertEqual(try Ed25519PrivateKey(seed: a.seed).publicKey, a.publicKey)
    }

    func testPrivateKeyNeverPrintsItsSeed() throws {
        let key = try Ed25519PrivateKey(seed: seed)
        let seedHex = Hex.encode(seed)
        var dumped = ""
        dump(key, to: &dumped)
        for text in [key.description, String(describing: key), String(reflecting: key), dumped, "\(key)"] {
            XCTAssertFalse(text.contains(seedHex), text)
            XCTAssertFalse(text.contains("157, 97, 177"), text)  // the seed's first bytes as an array
        }
        XCTAssertTrue(key.description.contains(Hex.encode(publicBytes)))
    }

    /// One key value shared by many threads: each call has its own OpenSSL context.
    func testConcurrentSigningAndVerifying() throws {
        let key = try Ed25519PrivateKey(seed: seed)
        let publicKey = key.publicKey
        let expected = try key.signature(for: Array("shared".utf8))
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let message = Array("shared".utf8)
            guard let signature = try? key.signature(for: message), signature == expected,
                publicKey.isValidSignature(signature, for: message),
                !publicKey.isValidSignature(signature, for: message + [UInt8(i)])
            else { return failures.record(i) }
        }
        XCTAssertEqual(failures.all, [])
    }

    private func derBody(of pem: String, label: String) throws -> [UInt8] {
        let lines = pem.split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init), "-----BEGIN \(label)-----")
        XCTAssertEqual(lines.last.map(String.init), "-----END \(label)-----")
        let body = lines.dropFirst().dropLast().joined()
        return try XCTUnwrap(Data(base64Encoded: body)).map { $0 }
    }
}

/// Collects failing iteration numbers from concurrent work.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var indices: [Int] = []
    func record(_ i: Int) { lock.withLock { indices.append(i) } }
    var all: [Int] { lock.withLock { indices.sorted() } }
}

func assertInvalidEncoding<T>(
    _ expression: @autoclosure () throws -> T, containing fragment: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case CryptoError.invalidEncoding(let message) = error else {
            return XCTFail("expected invalidEncoding, got \(error)", file: file, line: line)
        }
        XCTAssertTrue(message.contains(fragment), "message \"\(message)\" lacks \"\(fragment)\"", file: file, line: line)
    }
}
