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
            if let line = tick(store: store, actor: actor, minutes: minutes) {
                FileDescriptorWriter.writeAll(Array((line + "\n").utf8), to: STDERR_FILENO)
            }
        }
        timer.resume()
        return timer
    }

    /// One scheduled evaluation: the line to log, or nil when nothing changed since the last one.
    static func tick(store: EventStore, actor: Actor, minutes: Int64) -> String? {
        do {
            return try store.evaluatePopulationRules(trigger: .scheduled, actor: actor).map { "serve: population rules evaluated at seq \($0)" }
        } catch {
            return "serve: error: population rule evaluation failed, retried in \(minutes) min: \(error)"
        }
    }
}
