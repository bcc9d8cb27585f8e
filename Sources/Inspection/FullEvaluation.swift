import Dispatch
import EventLog
import Foundation
import ODA

/// Evaluates every subject rule over the whole ledger from scratch, without the flag table or
/// the projector's state tables: the check that the incrementally maintained flags are exactly
/// what the rules say. It folds each project's events into a `ProjectHistory` and judges it with
/// `RuleEngine.flags(for:)`, the path the projector takes on append.
///
/// `flags(in:)` reads the stored bytes (`EventStore.readStored`) and takes each project event's
/// fact straight from them (`ProjectFact.read(stored:type:seq:)`), on as many threads as there
/// are cores; only rates, rule settings and anything that reader declines are decoded in full.
/// The projects are then judged in parallel. `flags(of:)` does the same from decoded envelopes
/// on one thread: the reference the fast path is tested against.
public enum FullEvaluation {
    /// All flags of the ledger up to its head, sorted by id.
    public static func flags(in store: EventStore, engine: RuleEngine = RuleEngine()) throws -> [Flag] {
        var fold = Fold()
        var batch: [StoredEvent] = []
        batch.reserveCapacity(Self.batchSize)
        try store.readStored(EventQuery()) { event in
            batch.append(event)
            if batch.count == Self.batchSize {
                try fold.add(batch)
                batch.removeAll(keepingCapacity: true)
            }
            return true
        }
        try fold.add(batch)
        return flags(of: fold.histories, rates: fold.rates, settings: fold.settings, engine: engine)
    }

    /// All flags of `events` (a whole ledger in seq order), sorted by id.
    public static func flags<S: Sequence>(of events: S, engine: RuleEngine = RuleEngine()) -> [Flag] where S.Element == EventEnvelope {
        var fold = Fold()
        for envelope in events { fold.add(envelope) }
        // Judged one project after another: the reference the parallel path is tested against.
        return fold.histories.keys.sorted().flatMap { project in
            var history = fold.histories[project]!
            history.rates = fold.rates
            history.settings = fold.settings
            return engine.flags(for: history)
        }.sorted { $0.id < $1.id }
    }

    /// Stored events read per parallel extraction step.
    static let batchSize = 4_096

    /// What one stored event gives the fold.
    private enum Extracted: Sendable {
        case skip
        case project(String, ProjectFact?, seq: Int64, recordedAt: Timestamp)
        case decoded(EventEnvelope)
    }

    /// The ledger folded so far: histories by project, rates and settings.
    private struct Fold {
        var histories: [String: ProjectHistory] = [:]
        var rates = RateBook()
        var settings = RuleSettings()

        mutating func add(_ batch: [StoredEvent]) throws {
            guard !batch.isEmpty else { return }
            let extracted = try FullEvaluation.extract(batch)
            for item in extracted {
                switch item {
                case .skip:
                    break
                case let .project(project, fact, seq, recordedAt):
                    if let fact {
                        histories[project, default: ProjectHistory(project: project)].apply(fact)
                    }
                    histories[project, default: ProjectHistory(project: project)].note(seq: seq, recordedAt: recordedAt)
                case let .decoded(envelope):
                    add(envelope)
                }
            }
        }

        /// A decoded event: a project's goes to its history, any other may be a rate or a setting.
        mutating func add(_ envelope: EventEnvelope) {
            if envelope.stream.hasPrefix("project:") {
                let project = String(envelope.stream.dropFirst("project:".count))
                histories[project, default: ProjectHistory(project: project)].apply(envelope)
            } else {
                rates.record(envelope)
                settings.record(envelope)
            }
        }
    }

    /// The batch's events as the fold needs them, read on every core in contiguous parts.
    private static func extract(_ batch: [StoredEvent]) throws -> [Extracted] {
        let workers = min(max(1, ProcessInfo.processInfo.activeProcessorCount), max(1, batch.count / 256))
        if workers == 1 { return try extract(batch[...]) }
        let parts = Parts<Extracted>(count: workers)
        let size = (batch.count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let range = min(batch.count, w * size)..<min(batch.count, (w + 1) * size)
            parts.set(w, Result { try extract(batch[range]) })
        }
        return try parts.joined()
    }

    private static func extract(_ events: ArraySlice<StoredEvent>) throws -> [Extracted] {
        var out: [Extracted] = []
        out.reserveCapacity(events.count)
        for event in events {
            let stream = event.stream
            let type = event.type
            if stream.hasPrefix("project:") {
                if let read = ProjectFact.read(stored: event.canonicalBytes, type: type, seq: event.seq) {
                    out.append(.project(String(stream.dropFirst("project:".count)), read.fact, seq: event.seq, recordedAt: read.recordedAt))
                } else {
                    out.append(.decoded(try event.decoded().envelope))
                }
            } else if type == "ExchangeRateRecorded" || type == RuleSettings.eventType {
                out.append(.decoded(try event.decoded().envelope))
            } else {
                out.append(.skip)
            }
        }
        return out
    }

    /// Judges the projects on every core; the flags sorted by id.
    private static func flags(of histories: [String: ProjectHistory], rates: RateBook, settings: RuleSettings,
                              engine: RuleEngine) -> [Flag] {
        let projects = histories.keys.sorted().map { project -> ProjectHistory in
            var history = histories[project]!
            history.rates = rates
            history.settings = settings
            return history
        }
        let workers = min(max(1, ProcessInfo.processInfo.activeProcessorCount), max(1, projects.count))
        let parts = Parts<Flag>(count: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var local: [Flag] = []
            for i in stride(from: w, to: projects.count, by: workers) { local += engine.flags(for: projects[i]) }
            parts.set(w, .success(local))
        }
        return ((try? parts.joined()) ?? []).sorted { $0.id < $1.id }
    }
}

/// Results of parallel workers, one slot each, joined in slot order.
private final class Parts<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<[Element], Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<[Element], Error>) {
        lock.withLock { slots[index] = result }
    }

    func joined() throws -> [Element] {
        try lock.withLock { try slots.flatMap { try $0?.get() ?? [] } }
    }
}
