import EventLog
import Synchronization
import XCTest

final class ClockTests: XCTestCase {
    /// A simulated clock sets `recordedAt`, but can never make it go backwards along `seq`.
    func testSimulatedClockSetsRecordedAtAndNeverGoesBackwards() throws {
        let times: [Int64] = [1_700_000_000_000_000, 1_700_000_100_000_000, 1_600_000_000_000_000]
        let next = Atomic<Int>(0)
        var options = EventStore.Options()
        options.clock = { Timestamp(microsecondsSinceEpoch: times[min(next.add(1, ordering: .relaxed).oldValue, times.count - 1)]) }
        let ledger = try TestLedger()
        let store = try ledger.open(options: options)
        for i in 0..<3 { _ = try store.append([proposed("project:A", "AnnualBudgetRevised", i)], actor: recorder) }
        let recorded = try store.events(EventQuery()).map(\.envelope.recordedAt.microsecondsSinceEpoch)
        XCTAssertEqual(recorded, [times[0], times[1], times[1]])
    }
}
