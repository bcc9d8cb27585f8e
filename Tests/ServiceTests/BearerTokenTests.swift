import Foundation
@testable import Service
import XCTest

final class BearerTokenTests: XCTestCase {
    func testBase64URLMatchesFoundationWithoutPadding() {
        for count in 0 ... 40 {
            let bytes = (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            XCTAssertEqual(BearerToken.base64URL(bytes), expected, "\(count) bytes")
        }
    }

    func testGeneratedTokensAreWellFormedAndDistinct() throws {
        let tokens = try (0 ..< 100).map { _ in try BearerToken.generate() }
        XCTAssertEqual(Set(tokens).count, 100)
        XCTAssertTrue(tokens.allSatisfy(BearerToken.isWellFormed))
        XCTAssertFalse(BearerToken.isWellFormed("odal_short"))
        XCTAssertFalse(BearerToken.isWellFormed("xxxx_" + String(repeating: "A", count: 43)))
        XCTAssertFalse(BearerToken.isWellFormed("odal_" + String(repeating: "+", count: 43)))
    }

    func testDigestDependsOnTheSecret() throws {
        let token = try BearerToken.generate()
        let a = try BearerToken.digest(token, secret: Array(repeating: 1, count: 32))
        let b = try BearerToken.digest(token, secret: Array(repeating: 2, count: 32))
        XCTAssertEqual(a.count, 32)
        XCTAssertNotEqual(a, b)
    }

    func testAUserDirectoryWithAnotherSecretDoesNotAcceptTheToken() throws {
        let one = FileManager.default.temporaryDirectory.appendingPathComponent("users-\(UUID().uuidString)")
        let two = FileManager.default.temporaryDirectory.appendingPathComponent("users-\(UUID().uuidString)")
        for directory in [one, two] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        defer { for directory in [one, two] { try? FileManager.default.removeItem(at: directory) } }
        let token = try UserDirectory(dataDirectory: one.path).add(name: "noy", role: .auditor, province: nil)
        XCTAssertEqual(try UserDirectory(dataDirectory: one.path).authenticate(token: token)?.name, "noy")
        // The same users file beside another secret: the stored digest no longer matches.
        try FileManager.default.copyItem(at: one.appendingPathComponent("users.sqlite"), to: two.appendingPathComponent("users.sqlite"))
        XCTAssertNil(try UserDirectory(dataDirectory: two.path).authenticate(token: token))
    }
}
