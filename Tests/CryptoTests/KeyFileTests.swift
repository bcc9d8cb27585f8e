import Crypto
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class KeyFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("oda-keyfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try XCTUnwrap(attributes[.posixPermissions] as? Int)
    }

    func testNewFileIsExactly0600EvenUnderUmask000() throws {
        let file = path("log.key")
        let previous = umask(0)
        defer { umask(previous) }
        try KeyFile.writeNew("secret\n", to: file)
        XCTAssertEqual(try mode(of: file), 0o600)
        XCTAssertEqual(try KeyFile.readSecret(at: file), "secret\n")
    }

    func testNewFileIs0600UnderARestrictiveUmask() throws {
        let file = path("log.key")
        let previous = umask(0o277)
        defer { umask(previous) }
        try KeyFile.writeNew("secret", to: file)
        XCTAssertEqual(try mode(of: file), 0o600)
    }

    func testRefusesToOverwrite() throws {
        let file = path("log.key")
        try KeyFile.writeNew("first", to: file)
        XCTAssertThrowsError(try KeyFile.writeNew("second", to: file)) { error in
            guard case let CryptoError.keyFile(errorPath, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(errorPath, file)
            XCTAssertTrue(reason.contains("already exists"), reason)
        }
        XCTAssertEqual(try KeyFile.readSecret(at: file), "first")
    }

    func testRefusesToWriteThroughASymbolicLink() throws {
        let target = path("target")
        let link = path("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        XCTAssertThrowsError(try KeyFile.writeNew("secret", to: link))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target), "the link's target must not be created")
    }

    func testFailureToCreateNamesThePath() {
        let file = path("missing-directory/log.key")
        XCTAssertThrowsError(try KeyFile.writeNew("secret", to: file)) { error in
            XCTAssertTrue("\(error)".contains(file), "\(error)")
            XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
        }
    }

    func testRefusesASecretOthersCanRead() throws {
        let file = path("log.key")
        try KeyFile.writeNew("secret", to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        XCTAssertThrowsError(try KeyFile.readSecret(at: file)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(file), message)
            XCTAssertTrue(message.contains("0644"), message)
            XCTAssertTrue(message.contains("chmod 600 \(file)"), message)
        }
        for loose in [0o640, 0o604, 0o620, 0o602, 0o660] {
            try FileManager.default.setAttributes([.posixPermissions: loose], ofItemAtPath: file)
            XCTAssertThrowsError(try KeyFile.readSecret(at: file), "mode \(String(loose, radix: 8))")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: file)
        XCTAssertEqual(try KeyFile.readSecret(at: file), "secret")
    }

    func testRefusesDirectoriesAndMissingFiles() {
        XCTAssertThrowsError(try KeyFile.readSecret(at: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
        XCTAssertThrowsError(try KeyFile.readSecret(at: path("absent"))) { error in
            XCTAssertTrue("\(error)".contains(self.path("absent")), "\(error)")
        }
    }

    func testPrivateKeyPEMThroughAKeyFile() throws {
        let key = try Ed25519PrivateKey.generate()
        let file = path("signer.pem")
        try KeyFile.writeNew(key.pemRepresentation, to: file)
        let reread = try Ed25519PrivateKey(pemRepresentation: KeyFile.readSecret(at: file))
        XCTAssertEqual(reread.seed, key.seed)
    }
}
