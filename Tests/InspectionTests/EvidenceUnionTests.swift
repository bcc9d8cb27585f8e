import TestSupport
import XCTest
@testable import Inspection

/// `RuleEngine.union` (a merge of two ascending evidence lists, how repeated hits on one subject
/// combine) against the set union it replaces, on random lists: ascending ones, ones with
/// repeats, unsorted ones, empty ones.
final class EvidenceUnionTests: XCTestCase {
    func testTheMergeEqualsTheSetUnionOnRandomLists() {
        var random = SplitMix64(seed: 0x5EED_0004)
        var merged = 0
        for _ in 0..<5_000 {
            func list() -> [Int64] {
                let count = Int(random.next() % 12)
                var seqs = (0..<count).map { _ in Int64(random.next() % 40) }
                switch random.next() % 4 {
                case 0, 1: seqs = Array(Set(seqs)).sorted()  // ascending, each once: the merge
                case 2: seqs.sort()  // ascending with repeats
                default: break  // as drawn
                }
                return seqs
            }
            let a = list(), b = list()
            let expected = Array(Set(a).union(b)).sorted()
            XCTAssertEqual(RuleEngine.union(a, b), expected, "\(a) ∪ \(b)")
            if a == Array(Set(a)).sorted() && b == Array(Set(b)).sorted() { merged += 1 }
        }
        // Both ways were taken many times.
        XCTAssertGreaterThan(merged, 500)
        XCTAssertLessThan(merged, 4_500)
    }
}
