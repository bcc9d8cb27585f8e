import Crypto
import EventLog
import Foundation
import ODA
import SQLite

/// Keeps the flag table current inside the append transaction, at a cost that follows the new
/// events and the project they touch, never the ledger's length.
///
/// Each project event is read once into a compact `ProjectFact` stored in `insp_facts`; rates
/// and rule settings go to `insp_rates` and `insp_rule_settings`. A touched project's
/// `ProjectHistory` and the flags judged from it (`RuleEngine.ProjectFlags`) are taken from this
/// process's cache, or read back from those rows (never from the events' JSON) and re-judged
/// once; the new facts are folded in and `RuleEngine.update` re-runs only the rules whose
/// declared `RuleInputs` the new facts touch, and a rule separable by payee or user only on the
/// payees or users touched. A change of a rule's parameters at the project's last event re-runs
/// the rule in full; so does a rate of a currency the project holds amounts in, for a rule that
/// reads rates at the last seq (`RuleInputs.RateUse`: a payee rule whose rates give amounts only
/// re-judges the payees it flagged; rates of other currencies change none of its conversions).
/// Only flags that changed are written, and the project's flag ids are joined again only when
/// one comes or goes.
///
/// The cache is trusted only when the batch continues the chain it last saw: the first new
/// event's `prev` must be the hash of the last event applied and its seq the next one. Another
/// process's appends, a rolled-back transaction or a rebuild break that link, and the state is
/// then read from the tables, which the same transactions keep. So the flags equal a full
/// evaluation whatever the batching, the processes and the restarts (`IncrementalFlagTests`,
/// and `IncrementalEngineTests` for the engine after every batch of random events).
///
/// Cost: reading the new events' payloads once, a few row writes per event, the touched
/// payees' transactions for the rules separable by payee (judged again only where a new fact
/// may change their hits, `PayeeChangeTest`), a flag's evidence written as the seqs it gained
/// when it only grew at its end (`FlagTable.write`), and for the rules that keep a running
/// judgement (`RunningRule`: spending per year, concentration, year-end share, round amounts,
/// window, reversals, off-hours and late postings) a fold of the new facts into sums and sorted
/// evidence instead of a pass over the project, and keeps its flags untouched when the fold
/// changed nothing; a running judgement is built again (one pass) only when the rates in force
/// for the project's currencies (unless it converts the amounts in the currencies moved again:
/// spending per year, concentration, year-end share) or the rule's parameters change, or a fact
/// it cannot follow arrives (a new window). A cold process reads the project's fact rows and stored flags and the
/// ledger's rates and settings once, and judges with `evaluate`. Figures: see the report of
/// `oda-bench inspection`.
public struct FlagProjector: Projector {
    public let name = "inspection-flags"
    public let tableNames = [FlagTable.name] + FactTable.names
    public let engine: RuleEngine
    private let cache: FlagProjectionCache

    /// `cachedProjects` bounds the project histories kept in memory between appends.
    public init(engine: RuleEngine = RuleEngine(), cachedProjects: Int = 2_048) {
        self.engine = engine
        self.cache = FlagProjectionCache(capacity: max(1, cachedProjects))
    }

    public func createTables(in database: ProjectionDatabase, prefix: String) throws {
        let hadState = try database.scalarInt64(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1", [.text(prefix + FactTable.facts)]) ?? 0
        try database.executeScript(FlagTable.create(prefix: prefix) + FactTable.create(prefix: prefix))
        if hadState == 0 && prefix.isEmpty {
            // A ledger whose flags were kept before the state tables existed: start the flags
            // over from seq 0, so the catch-up that follows registration fills both.
            try database.execute("DELETE FROM \(FlagTable.name)")
            let checkpoints = try database.scalarInt64(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'projection_checkpoints'") ?? 0
            if checkpoints > 0 { try database.execute("DELETE FROM projection_checkpoints WHERE name = ?1", [.text(name)]) }
        }
        cache.reset(prefix)
    }

    public func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        guard let first = events.first, let last = events.last else { return }
        var state = cache.take(prefix, continuing: first)
        do {
            try apply(events, to: &state, in: database, prefix: prefix)
        } catch {
            cache.reset(prefix)
            throw error
        }
        state.lastSeq = last.seq
        state.lastHash = last.hash
        cache.put(state, prefix)
    }

    private func apply(_ events: [RecordedEvent], to state: inout FlagProjectionCache.State,
                       in database: ProjectionDatabase, prefix: String) throws {
        var order: [String] = []
        var byProject: [String: [EventEnvelope]] = [:]
        var inputs: [EventEnvelope] = []
        for event in events {
            let e = event.envelope
            if e.stream.hasPrefix("project:") {
                let project = String(e.stream.dropFirst("project:".count))
                if byProject[project] == nil { order.append(project) }
                byProject[project, default: []].append(e)
            } else if e.type == "ExchangeRateRecorded" || e.type == RuleSettings.eventType {
                inputs.append(e)
            }
        }
        if !order.isEmpty && state.rates == nil {
            state.rates = try FactTable.rateBook(in: database, prefix: prefix)
            state.settings = try FactTable.ruleSettings(in: database, prefix: prefix)
        }
        for e in inputs {
            var book = RateBook(), settings = RuleSettings()
            if let rate = book.record(e) {
                try FactTable.insert(rate: rate, seq: e.seq, in: database, prefix: prefix)
                state.rates?.record(rate, seq: e.seq)
            }
            if let change = settings.record(e) {
                try FactTable.insert(setting: change, in: database, prefix: prefix)
                state.settings?.record(change)
            }
        }
        guard let rates = state.rates, let settings = state.settings else { return }
        for project in order {
            var entry: FlagProjectionCache.Entry
            var storedIds: [String]?
            if let cached = state.projects.removeValue(forKey: project) {
                entry = cached
            } else if let read = try FactTable.history(of: project, in: database, prefix: prefix) {
                // A cold start knows the stored flags only by id: every flag is written again and
                // the ids gone are deleted (cheaper, measured, than reading the flags to compare).
                entry = .init(history: read.history, flags: RuleEngine.ProjectFlags())
                storedIds = read.flagIds
            } else {
                entry = .init(history: ProjectHistory(project: project), flags: RuleEngine.ProjectFlags())
            }
            var facts: [ProjectFact] = []
            for e in byProject[project]! {
                if let fact = ProjectFact(e) {
                    try FactTable.insert(fact, project: project, in: database, prefix: prefix)
                    entry.history.apply(fact)
                    facts.append(fact)
                }
                entry.history.note(seq: e.seq, recordedAt: e.recordedAt)
            }
            entry.history.rates = rates
            entry.history.settings = settings
            var change = engine.update(&entry.flags, with: entry.history, newFacts: facts)
            entry.history.rates = RateBook()
            entry.history.settings = RuleSettings()
            if let storedIds {
                let kept = Set(entry.flags.ids)
                change = RuleEngine.Change(written: entry.flags.all, removed: storedIds.filter { !kept.contains($0) })
            }
            try FlagTable.write(change, project: project, in: database, prefix: prefix)
            try FactTable.setHeader(project: project, lastSeq: entry.history.lastSeq,
                                    lastRecordedAt: entry.history.lastRecordedAt ?? Timestamp(microsecondsSinceEpoch: 0),
                                    flagIds: entry.flags.idsText, in: database, prefix: prefix)
            state.insert(project, entry, capacity: cache.capacity)
        }
    }
}

/// What a `FlagProjector` keeps in memory between appends, per table prefix (live or shadow),
/// with the seq and hash of the last event it reflects.
final class FlagProjectionCache: @unchecked Sendable {
    struct Entry {
        var history: ProjectHistory
        /// The project's flags and what they were judged from.
        var flags: RuleEngine.ProjectFlags
        var lastUse: UInt64 = 0
    }

    struct State {
        var lastSeq: Int64 = 0
        var lastHash: SHA256Digest?
        /// Nil until read from the tables.
        var rates: RateBook?
        var settings: RuleSettings?
        var projects: [String: Entry] = [:]
        var clock: UInt64 = 0

        /// Keeps `entry`, dropping the least recently used half when over `capacity`.
        mutating func insert(_ project: String, _ entry: Entry, capacity: Int) {
            clock += 1
            var entry = entry
            entry.lastUse = clock
            projects[project] = entry
            guard projects.count > capacity else { return }
            let keep = projects.values.map(\.lastUse).sorted()[projects.count / 2]
            projects = projects.filter { $0.value.lastUse >= keep }
        }
    }

    let capacity: Int
    private let lock = NSLock()
    private var states: [String: State] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The state kept for `prefix` if `first` follows the last event it reflects, else an empty
    /// state that reads everything from the tables.
    func take(_ prefix: String, continuing first: RecordedEvent) -> State {
        lock.withLock {
            guard let state = states.removeValue(forKey: prefix), let hash = state.lastHash,
                  state.lastSeq + 1 == first.seq, first.envelope.prev == hash else { return State() }
            return state
        }
    }

    func put(_ state: State, _ prefix: String) {
        lock.withLock { states[prefix] = state }
    }

    func reset(_ prefix: String) {
        lock.withLock { _ = states.removeValue(forKey: prefix) }
    }
}
