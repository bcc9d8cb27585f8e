import EventLog
import ODA
import XCTest
@testable import Inspection

/// `SplittingBelowThreshold.groups` (one pass with prefix sums and a queue of the largest
/// payments) against the run-by-run reading of the rule it replaced: every payment's run of the
/// payments within the window, tested against each threshold on its own.
final class SplittingReferenceTests: XCTestCase {
    private func reference(_ payments: [(day: Int64, kip: Int128, date: CalendarDate)], window: Int64) -> (marked: [Bool], crossed: Int64) {
        var marked = [Bool](repeating: false, count: payments.count)
        var crossed: Int64 = 0
        for i in payments.indices {
            let group = payments.indices[i...].prefix { payments[$0].day - payments[i].day <= window }
            guard group.count >= 2 else { continue }
            let total = group.reduce(Int128(0)) { $0 + payments[$1].kip }
            for threshold in ProcurementThresholds.inForce(on: payments[i].date)
            where group.allSatisfy({ payments[$0].kip < Int128(threshold) }) && total >= Int128(threshold) {
                for k in group { marked[k] = true }
                crossed = max(crossed, threshold)
            }
        }
        return (marked, crossed)
    }

    func testOnePassEqualsTheRunByRunReading() {
        var random: UInt64 = 17
        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(bound))
        }
        var groupsFound = 0, bothThresholds = 0
        for round in 0..<3_000 {
            let count = next(25)
            let window = Int64([0, 7, 30, 90][next(4)])
            // Days from 2016 (before the first thresholds) to 2019, bunched so runs overlap;
            // amounts around both thresholds, some at them exactly, a few negative.
            var day = Int64(16_750 + next(400))
            var payments: [(day: Int64, kip: Int128, date: CalendarDate)] = []
            for _ in 0..<count {
                day += Int64(next(round % 3 == 0 ? 40 : 6))
                let civil = CivilDate.fromDaysSinceEpoch(day)
                let date = CalendarDate(year: Int(civil.year), month: Int(civil.month), day: Int(civil.day))!
                let kip: Int128 = switch next(6) {
                case 0: 5_000_000
                case 1: Int128(4_000_000 + next(1_000_000))
                case 2: Int128(400_000_000 + next(100_000_000))
                case 3: -Int128(next(2_000_000))
                case 4: 500_000_000
                default: Int128(next(6_000_000))
                }
                payments.append((day, kip, date))
            }
            let fast = SplittingBelowThreshold.groups(payments, window: window)
            let slow = reference(payments, window: window)
            XCTAssertEqual(fast.marked, slow.marked, "round \(round): \(payments.map { ($0.day, $0.kip) }), window \(window)")
            XCTAssertEqual(fast.crossed, slow.crossed, "round \(round)")
            if slow.marked.contains(true) { groupsFound += 1 }
            if slow.crossed == 500_000_000 { bothThresholds += 1 }
        }
        // Only a test if groups are found, below either threshold.
        XCTAssertGreaterThan(groupsFound, 100)
        XCTAssertGreaterThan(bothThresholds, 30)
    }
}
