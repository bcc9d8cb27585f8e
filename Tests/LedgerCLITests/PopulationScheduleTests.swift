import EventLog
import Foundation
import XCTest
@testable import LedgerCLI

/// The `serve` schedule of population evaluations: its setting, and what one tick records.
final class PopulationScheduleTests: XCTestCase {
    func testTheSettingDefaultsToHourlyAndZeroTurnsItOff() throws {
        XCTAssertEqual(try LedgerConfig.parse("").populationEveryMinutes, 60)
        XCTAssertEqual(try LedgerConfig.parse("inspection.population_every_minutes = 15\n").populationEveryMinutes, 15)
        XCTAssertNil(try LedgerConfig.parse("inspection.population_every_minutes = 0\n").populationEveryMinutes)
        XCTAssertThrowsError(try LedgerConfig.parse("inspection.population_every_minutes = soon\n"))
    }

    func testATickRecordsAnEvaluationOnlyAfterNewEvents() throws {
        let cli = try FlagLedger.ledgerWithDuplicatePayment()
        let store = try EventStore(openingAt: cli.data + "/ledger.sqlite")
        let actor = try Actor(id: PopulationSchedule.actorID)
        XCTAssertEqual(PopulationSchedule.tick(store: store, actor: actor, minutes: 60), "serve: population rules evaluated at seq 13")
        XCTAssertNil(PopulationSchedule.tick(store: store, actor: actor, minutes: 60), "nothing appended since")
        let comment = cli.run(["flags", "configure", "round-amounts", "--set", "minimumTrailingZeros=5", "--reason", "r", "--data", cli.data])
        XCTAssertEqual(comment.status, 0, comment.stderr)
        XCTAssertEqual(PopulationSchedule.tick(store: store, actor: actor, minutes: 60), "serve: population rules evaluated at seq 15")
        let log = cli.run(["log", "--data", cli.data, "--stream", "inspection"])
        XCTAssertEqual(log.lines.count, 2)
        XCTAssertTrue(log.stdout.contains("\"trigger\":\"scheduled\""), log.stdout)
        XCTAssertTrue(log.stdout.contains(PopulationSchedule.actorID), log.stdout)
    }
}
