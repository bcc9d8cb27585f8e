import Crypto
import XCTest

/// Pins which Ed25519 edge cases the system's OpenSSL accepts, using C2SP's CCTV vectors
/// (low-order points, non-canonical encodings). OpenSSL 3.0 rejects every vector flagged
/// `non_canonical_R` or `low_order_residue` and accepts all others. Verification rules
/// decide which checkpoints count as signed, so an OpenSSL upgrade that changes them must
/// fail this test rather than change the ledger's behaviour silently.
final class Ed25519CCTVTests: XCTestCase {
    struct Vector: Decodable {
        let number: Int
        let key: String
        let sig: String
        let msg: String
        let flags: [String]?
    }

    func testOpenSSLAcceptanceIsPinned() throws {
        let vectors = try TestVectors.load([Vector].self, "cctv-ed25519/ed25519/ed25519vectors.json")
        XCTAssertEqual(vectors.count, 914)
        var accepted = 0
        var rejected = 0
        for vector in vectors {
            let flags = Set(vector.flags ?? [])
            let expectAccepted = !flags.contains("non_canonical_R") && !flags.contains("low_order_residue")
            let key = try Ed25519PublicKey(rawRepresentation: bytes(hex: vector.key))
            let valid = key.isValidSignature(bytes(hex: vector.sig), for: Array(vector.msg.utf8))
            XCTAssertEqual(
                valid, expectAccepted,
                "vector \(vector.number) flags \(flags.sorted()): OpenSSL \(valid ? "accepted" : "rejected") it")
            if valid { accepted += 1 } else { rejected += 1 }
        }
        XCTAssertEqual(accepted, 208)
        XCTAssertEqual(rejected, 706)
    }
}
