import Dispatch
import EventLog
import Foundation
import ODA

/// Evaluates every subject rule over the whole ledger from scratch, without the flag table or
/// the projector's state tables: the check that the incrementally maintained flags are exactly
/// what the rules say. It folds each project's events into a `ProjectHistory` and judges it with
/// `RuleEngine.flags(for:)`, the path the projector takes on append.
///
/// `flags(in:)` reads the stored bytes (`EventStore.readStored`) in batches. Each batch is folded
/// on every core at once: the projects are split among the workers by a hash of their stream
/// name, so each project's events are folded by one worker in seq order, and each worker takes
/// its events' facts straight from their bytes (`ProjectFact.read`), declining to a full decode
/// only for what that reader does not expect. Rates and rule settings are decoded in full by the
/// first worker. Nothing is held per event between the read and the fold; names repeated over
/// many events are kept once per worker (`ByteInterner`). The projects are then judged in
/// parallel. `flags(of:)` does the same from decoded envelopes on one thread: the reference the
/// fast path is tested against.
public enum FullEvaluation {
    /// All flags of the ledger up to its head, sorted by id.
    public static func flags(in store: EventStore, engine: RuleEngine = RuleEngine()) throws -> [Flag] {
        let workers = min(Self.maximumWorkers, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let parts = (0..<workers).map { PartFold(worker: $0, of: workers) }
        var batch: [StoredEvent] = []
        batch.reserveCapacity(Self.batchSize)
        func fold() throws {
            guard !batch.isEmpty else { return }
            let events = batch
            if workers == 1 || events.count < 256 {
                for part in parts { try part.add(events) }
            } else {
                DispatchQueue.concurrentPerform(iterations: workers) { w in parts[w].tryAdd(events) }
                for part in parts { try part.rethrow() }
            }
            batch.removeAll(keepingCapacity: true)
        }
        try store.readStored(EventQuery()) { event in
            batch.append(event)
            if batch.count == Self.batchSize { try fold() }
            return true
        }
        try fold()
        var histories: [String: ProjectHistory] = [:]
        for part in parts {
            for (name, history) in zip(part.projects.strings, part.histories) { histories[name] = history }
        }
        return flags(of: histories, rates: parts[0].rates, settings: parts[0].settings, engine: engine)
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

    /// Stored events read per parallel fold step.
    static let batchSize = 4_096
    /// Every worker reads the end of every event of a batch to find whether its project is its
    /// own, so beyond a few workers that cost grows faster than the fold shrinks (and a shared
    /// server's other work is left its cores).
    static let maximumWorkers = 8

    /// The ledger folded so far from decoded envelopes: histories by project, rates and settings.
    private struct Fold {
        var histories: [String: ProjectHistory] = [:]
        var rates = RateBook()
        var settings = RuleSettings()

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

    /// One worker's share of the fold: the projects whose stream name hashes to it, and (for the
    /// first worker) the rates and rule settings. A class so that `concurrentPerform` workers
    /// each mutate their own without copying; no two workers ever touch the same one.
    private final class PartFold: @unchecked Sendable {
        let worker: Int
        let workers: Int
        /// Project ids (without `project:`) numbered in order of first sight; `histories` by that number.
        var projects = ByteInterner()
        var histories: [ProjectHistory] = []
        var rates = RateBook()
        var settings = RuleSettings()
        private var names = ByteInterner()
        private var currencies = CurrencyCache()
        private var failure: Error?

        init(worker: Int, of workers: Int) {
            self.worker = worker
            self.workers = workers
        }

        func tryAdd(_ events: [StoredEvent]) {
            guard failure == nil else { return }
            do { try add(events) } catch { failure = error }
        }

        func rethrow() throws {
            if let failure { throw failure }
        }

        /// Folds this worker's events of `events` (a batch in seq order).
        func add(_ events: [StoredEvent]) throws {
            for event in events {
                let reader = StoredEventReader(bytes: event.canonicalBytes)
                guard let (stream, type) = reader.tail() else {
                    try addDecoded(event)
                    continue
                }
                guard reader.hasPrefix(stream, "project:") else {
                    if worker == 0, reader.equals(type, "ExchangeRateRecorded") || reader.equals(type, "RuleConfigured") {
                        let envelope = try event.decoded().envelope
                        rates.record(envelope)
                        settings.record(envelope)
                    }
                    continue
                }
                let id = (stream.lowerBound + 8)..<stream.upperBound
                guard owns(event.canonicalBytes, id) else { continue }
                let index = history(event.canonicalBytes, id)
                let (kind, proposed) = ProjectFact.kind(reader, type: type)
                if let read = ProjectFact.read(reader, stream: stream, kind: kind, proposed: proposed, seq: event.seq, names: &names,
                                               currencies: &currencies) {
                    if let fact = read.fact { histories[index].apply(fact) }
                    histories[index].note(seq: event.seq, recordedAt: read.recordedAt)
                } else {
                    histories[index].apply(try event.decoded().envelope)
                }
            }
        }

        /// An event whose tail this reader does not expect: decoded to learn its stream.
        private func addDecoded(_ event: StoredEvent) throws {
            let envelope = try event.decoded().envelope
            let bytes = Array(envelope.stream.utf8)
            guard envelope.stream.hasPrefix("project:") else {
                if worker == 0, envelope.type == "ExchangeRateRecorded" || envelope.type == RuleSettings.eventType {
                    rates.record(envelope)
                    settings.record(envelope)
                }
                return
            }
            let id = 8..<bytes.count
            guard owns(bytes, id) else { return }
            histories[history(bytes, id)].apply(envelope)
        }

        /// Whether the project whose id is at `id` in `bytes` is this worker's: a hash of the id,
        /// the same for every event of the project.
        private func owns(_ bytes: [UInt8], _ id: Range<Int>) -> Bool {
            guard workers > 1 else { return true }
            var hash: UInt32 = 2_166_136_261
            for k in id { hash = (hash ^ UInt32(bytes[k])) &* 16_777_619 }
            return Int(hash % UInt32(workers)) == worker
        }

        /// The index in `histories` of the project whose id is at `id`, added when new.
        private func history(_ bytes: [UInt8], _ id: Range<Int>) -> Int {
            let index = projects.index(bytes, id)
            if index == histories.count { histories.append(ProjectHistory(project: projects.strings[index])) }
            return index
        }
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
