import Crypto
import Foundation
import XCTest

/// Locates the shared public test vectors from this source file, so tests need no bundle
/// resources and a plain clone runs them.
enum TestVectors {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CryptoTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/vectors")

    static func load<T: Decodable>(_ type: T.Type, _ relativePath: String) throws -> T {
        let data = try Data(contentsOf: root.appendingPathComponent(relativePath))
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// Hex from a test vector; a malformed vector fails the test instead of crashing it.
func bytes(hex: String, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
    guard let decoded = Hex.decode(hex) else {
        XCTFail("test vector is not hex: \(hex)", file: file, line: line)
        return []
    }
    return decoded
}
