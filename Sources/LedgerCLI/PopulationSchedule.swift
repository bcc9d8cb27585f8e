import Dispatch
import EventLog
import Foundation
import Inspection

/// Re-evaluates the population rules every `inspection.population_every_minutes` (ledger.conf)
/// while `serve` runs, as actor `system:population-schedule`. An evaluation is recorded only when
/// something was appended since the last one, so an idle ledger gains no events. A failure is
/// logged to standard error and retried at the next tick; it never stops the server.
enum PopulationSchedule {
    static let actorID = "system:population-schedule"

    /// Starts the timer; nil when the setting is 0.
    static func start(store: EventStore, directory: DataDirectory) throws -> DispatchSourceTimer? {
        guard let minutes = try LedgerConfig.load(directory).populationEveryMinutes else { return nil }
        let actor = try Actor(id: actorID)
        let interval = DispatchTimeInterval.seconds(Int(minutes) * 60)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "oda-ledger.serve.population"))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler {
            let line: String
            do {
                if let seq = try store.evaluatePopulationRules(trigger: .scheduled, actor: actor) {
                    line = "serve: population rules evaluated at seq \(seq)\n"
                } else {
                    return
                }
            } catch {
                line = "serve: error: population rule evaluation failed, retried in \(minutes) min: \(error)\n"
            }
            FileDescriptorWriter.writeAll(Array(line.utf8), to: STDERR_FILENO)
        }
        timer.resume()
        return timer
    }
}
