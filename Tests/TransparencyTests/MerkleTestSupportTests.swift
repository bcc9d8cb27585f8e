// Shared helpers of the Merkle tests (the file name follows the `Merkle*Tests.swift` pattern of
// the files this part of the module owns; it holds no test cases).
import Crypto
import Foundation
import Transparency
import XCTest

/// Locates `Tests/Fixtures/vectors` from this source file, so tests run from any directory.
enum MerkleFixtures {
    static func url(_ relativePath: String, filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath)
            .deletingLastPathComponent()  // TransparencyTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures/vectors")
            .appendingPathComponent(relativePath)
    }

    static func decode<T: Decodable>(_ type: T.Type, from relativePath: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(contentsOf: url(relativePath)))
    }

    /// Every `.json` file below a fixture folder, sorted by path.
    static func jsonFiles(under relativePath: String) throws -> [URL] {
        let root = url(relativePath)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw FixtureError("cannot list \(root.path)")
        }
        return enumerator.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "json" }
            .sorted { $0.path < $1.path }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func digest(hex: String) throws -> SHA256Digest { try SHA256Digest(hex: hex) }

func bytes(hex: String) throws -> [UInt8] {
    guard let bytes = Hex.decode(hex) else { throw FixtureError("not hex: \(hex)") }
    return bytes
}

func bytes(base64: String) throws -> [UInt8] {
    guard let data = Data(base64Encoded: base64) else { throw FixtureError("not base64: \(base64)") }
    return Array(data)
}

/// Runs a verification and hands back its error, or nil when it succeeded.
func proofError(_ body: () throws(MerkleProofError) -> Void) -> MerkleProofError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// A tree built the way the ledger builds it: leaf hashes appended to a frontier, every
/// completed node recorded in a store. Keeps the frontier's root at every size for comparison.
struct MerkleTestTree {
    let leafHashes: [SHA256Digest]
    private(set) var store = MerkleMemoryStore()
    private(set) var frontier = MerkleFrontier()
    /// `frontierRoots[n]` is the frontier's root after `n` appends.
    private(set) var frontierRoots: [SHA256Digest]

    init(entries: [[UInt8]], using hasher: SHA256Hasher) {
        self.init(leafHashes: entries.map { MerkleHash.leaf($0, using: hasher) }, using: hasher)
    }

    init(leafHashes: [SHA256Digest], using hasher: SHA256Hasher) {
        self.leafHashes = leafHashes
        frontierRoots = [MerkleFrontier().root(using: hasher)]
        frontierRoots.reserveCapacity(leafHashes.count + 1)
        for leafHash in leafHashes {
            store.record(frontier.append(leafHash: leafHash, using: hasher))
            frontierRoots.append(frontier.root(using: hasher))
        }
    }

    /// Leaf i is the single byte `i % 256`, as in `accumulated_130.json`.
    static func byteLeaves(_ count: Int, using hasher: SHA256Hasher) -> MerkleTestTree {
        MerkleTestTree(entries: (0..<count).map { [UInt8(truncatingIfNeeded: $0)] }, using: hasher)
    }
}

/// Counts reads, to check that roots and proofs touch O(log n) nodes.
final class CountingNodeSource: MerkleNodeSource {
    let store: MerkleMemoryStore
    private(set) var reads = 0

    init(_ store: MerkleMemoryStore) { self.store = store }

    func hash(of node: MerkleNodeID) throws(MerkleNodeMissing) -> SHA256Digest {
        reads += 1
        return try store.hash(of: node)
    }

    func resetCount() { reads = 0 }
}

/// RFC 9162 §2.1.3.1 PATH and §2.1.4.1 PROOF/SUBPROOF transcribed literally over an array of
/// leaf hashes: an independent O(n) reference for the store-based generator.
enum MerkleReference {
    static func mth(_ leaves: ArraySlice<SHA256Digest>, _ hasher: SHA256Hasher) -> SHA256Digest {
        MerkleTree.rootFromLeafHashes(Array(leaves), using: hasher)
    }

    static func k(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    static func path(_ m: Int, _ leaves: ArraySlice<SHA256Digest>, _ hasher: SHA256Hasher) -> [SHA256Digest] {
        let n = leaves.count
        if n <= 1 { return [] }
        let k = k(n), s = leaves.startIndex
        if m < k {
            return path(m, leaves[s..<s + k], hasher) + [mth(leaves[(s + k)...], hasher)]
        }
        return path(m - k, leaves[(s + k)...], hasher) + [mth(leaves[s..<s + k], hasher)]
    }

    /// PROOF(m, D[n]); empty for m == n and, by this project's convention, for m == 0.
    static func proof(_ m: Int, _ leaves: ArraySlice<SHA256Digest>, _ hasher: SHA256Hasher) -> [SHA256Digest] {
        m == 0 ? [] : subproof(m, leaves, true, hasher)
    }

    static func subproof(
        _ m: Int, _ leaves: ArraySlice<SHA256Digest>, _ b: Bool, _ hasher: SHA256Hasher
    ) -> [SHA256Digest] {
        let n = leaves.count
        if m == n { return b ? [] : [mth(leaves, hasher)] }
        let k = k(n), s = leaves.startIndex
        if m <= k {
            return subproof(m, leaves[s..<s + k], b, hasher) + [mth(leaves[(s + k)...], hasher)]
        }
        return subproof(m - k, leaves[(s + k)...], false, hasher) + [mth(leaves[s..<s + k], hasher)]
    }
}

/// SHA-256 over a sequence of text lines, each followed by "\n": the "rolling digest" format of
/// `accumulated_130.json`. Owns its own hasher, since the message stays open between lines.
final class RollingDigest {
    private let hasher: SHA256Hasher
    private(set) var lines = 0

    init() throws { hasher = try SHA256Hasher() }

    func add(_ line: String) {
        hasher.update(Array(line.utf8))
        hasher.update(byte: 0x0a)
        lines += 1
    }

    func finalize() -> String { hasher.finalize().hex }
}

extension SHA256Digest {
    /// The same digest with one bit flipped.
    func flippingBit(_ bit: Int) -> SHA256Digest {
        var bytes = self.bytes
        bytes[bit / 8 % bytes.count] ^= 1 << UInt8(bit % 8)
        // 32 bytes in, 32 bytes out.
        return (try? SHA256Digest(bytes: bytes)) ?? self
    }
}
