import TestSupport
import XCTest
@testable import Inspection

/// The one binary search the rules, the rate book and the histories share, against a linear scan
/// on random ascending lists with repeats, for probes below, inside, between and above them,
/// with both the "before" (`<`) and "at or before" (`<=`) predicates they use.
final class PartitionPointTests: XCTestCase {
    func testTheSearchEqualsALinearScanOnRandomAscendingLists() {
        var random = SplitMix64(seed: 0x5EED_0005)
        var nonTrivial = 0
        for _ in 0..<3_000 {
            let values = (0..<Int(random.next() % 20)).map { _ in Int64(random.next() % 30) }.sorted()
            let probe = Int64(random.next() % 34) - 2
            let below = values.partitionPoint { $0 < probe }
            let atOrBelow = values.partitionPoint { $0 <= probe }
            XCTAssertEqual(below, values.firstIndex { !($0 < probe) } ?? values.count, "\(values) < \(probe)")
            XCTAssertEqual(atOrBelow, values.firstIndex { !($0 <= probe) } ?? values.count, "\(values) <= \(probe)")
            if below > 0 && atOrBelow < values.count { nonTrivial += 1 }
        }
        XCTAssertGreaterThan(nonTrivial, 500, "most probes fall inside their list")
    }

    func testASliceIsSearchedByItsOwnIndices() {
        let values: [Int64] = [1, 3, 5, 7, 9, 11]
        let slice = values[2...]
        XCTAssertEqual(slice.partitionPoint { $0 < 8 }, 4)
        XCTAssertEqual(slice.partitionPoint { $0 < 0 }, 2)
        XCTAssertEqual(slice.partitionPoint { $0 < 99 }, 6)
    }
}
