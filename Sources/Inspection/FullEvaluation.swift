import Dispatch
import EventLog
import Foundation
import ODA

/// Evaluates every subject rule over the whole ledger from scratch, without the flag table or
/// the projector's state tables: the check that the incrementally maintained flags are exactly
/// what the rules say. It folds each project's events into a `ProjectHistory` and judges it with
/// `RuleEngine.flags(for:)`, the path the projector takes on append.
///
/// `flags(in:)` reads the stored rows of one snapshot on the calling thread, copying each row's
/// bytes straight from SQLite's buffer into one buffer per batch (no allocation per event), and
/// reads each event's stream and type from the end of its bytes. Project events are handed to
/// the worker that owns their project (projects are dealt to the workers in order of first
/// sight, so each project's events are folded by one worker in seq order); rates and rule
/// settings are decoded in full on the reading thread. While the workers fold one batch the
/// reader fills the next. Each worker takes its events' facts straight from their bytes
/// (`ProjectFact.read`), declining to a full decode only for what that reader does not expect.
/// Nothing is held per event between the read and the fold; names repeated over many events are
/// kept once per worker (`ByteInterner`). Once all are folded, every project is judged on
/// whichever core is free next, the largest first (so no core idles while another finishes a
/// heavy share), and each history is released once judged, so the freeing is spread over the cores.
///
/// The rows are read as recorded, without re-checking each one's canonical form (that is what
/// verification does, over the hash chain): an event the byte reader cannot follow is decoded in
/// full, which fails with `StoreError.corruptEvent` naming its seq when its bytes are not an
/// envelope. `flags(of:)` does the same from decoded envelopes on one thread: the reference the
/// fast path is tested against.
public enum FullEvaluation {
    /// All flags of the ledger up to its head, sorted by id.
    public static func flags(in store: EventStore, engine: RuleEngine = RuleEngine()) throws -> [Flag] {
        let workers = min(Self.maximumWorkers, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let parts = (0..<workers).map { PartFold(worker: $0) }
        var intake = Intake(workers: workers)
        var filling = Batch(workers: workers)
        var spare = Batch(workers: workers)
        let folding = DispatchGroup()
        defer { folding.wait() }
        /// Hands the filled batch to the workers once they are done with the one before, and
        /// takes that one (now free) to fill next.
        func hand() throws {
            folding.wait()
            for part in parts { try part.rethrow() }
            guard filling.count > 0 else { return }
            let batch = filling
            for part in parts { DispatchQueue.global().async(group: folding) { part.tryAdd(batch) } }
            swap(&filling, &spare)
            filling.clear()
        }
        try store.withProjectionSnapshot { database in
            try database.query(Self.rowsInOrder) { row in
                let seq = row.int64(at: 0)
                let range = row.withUnsafeBytes(at: 1) { filling.append($0) }
                try intake.route(seq: seq, range: range, in: filling)
                if filling.isFull { try hand() }
            }
        }
        try hand()
        folding.wait()
        for part in parts { try part.rethrow() }
        // Every project is judged on whichever core is free next, the largest first, so that no
        // core is left idle while another still judges a heavy share (the workers' shares of
        // projects need not weigh the same); each history is let go once judged, so the histories
        // are freed on every core (and memory falls while judging) rather than all at once at the end.
        let rates = intake.rates, settings = intake.settings
        let slots = parts.flatMap { $0.takeHistories() }.map(JudgingSlot.init).sorted { $0.weight > $1.weight }
        let judged = Parts<Flag>(count: slots.count)
        DispatchQueue.concurrentPerform(iterations: slots.count) { i in
            judged.set(i, .success(slots[i].judge(rates: rates, settings: settings, engine: engine)))
        }
        return ((try? judged.joined()) ?? []).sorted { $0.id < $1.id }
    }

    /// Every stored event's seq and bytes, in seq order.
    static let rowsInOrder = "SELECT seq, body FROM events ORDER BY seq"

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

    /// Stored events read per parallel fold step (fewer when their bytes pass `batchBytes`).
    static let batchSize = 4_096
    static let batchBytes = 4 << 20
    /// Beyond a few workers the reading thread, not the fold, sets the pace (and a shared
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

    /// Stored rows read for one fold step: their bytes back to back in one buffer, and per
    /// worker the project events it folds. Filled by the reading thread, then only read (by
    /// every worker at once) until all are done with it; a class so that no one copies it.
    private final class Batch: @unchecked Sendable {
        /// One project event: where its bytes and its tail's `stream` and `type` are in `bytes`,
        /// which of its worker's projects it belongs to, and (when its tail could not be read
        /// from the bytes) its decoded envelope in `envelopes`, else -1.
        struct Item {
            let seq: Int64
            let range: Range<Int>
            let stream: Range<Int>
            let type: Range<Int>
            let project: Int
            let envelope: Int
        }

        private(set) var bytes: [UInt8] = []
        var items: [[Item]]
        var envelopes: [EventEnvelope] = []
        private(set) var count = 0

        init(workers: Int) {
            items = Array(repeating: [], count: workers)
            bytes.reserveCapacity(FullEvaluation.batchBytes + 64 << 10)
        }

        var isFull: Bool { count >= FullEvaluation.batchSize || bytes.count >= FullEvaluation.batchBytes }

        /// Copies one row's bytes in; where they now are.
        func append(_ raw: UnsafeRawBufferPointer) -> Range<Int> {
            let start = bytes.count
            bytes.append(contentsOf: raw)
            count += 1
            return start..<bytes.count
        }

        /// Empties it for the next fold step, keeping its buffers.
        func clear() {
            bytes.removeAll(keepingCapacity: true)
            for w in items.indices { items[w].removeAll(keepingCapacity: true) }
            envelopes.removeAll()
            count = 0
        }
    }

    /// The reading thread's part: which project (and so which worker) each event is for, and
    /// the rates and rule settings, which are few and decoded in full.
    private struct Intake {
        let workers: Int
        /// Project ids (the stream after `project:`) numbered in order of first sight; project
        /// `n` is worker `n % workers`'s project number `n / workers`.
        var projects = ByteInterner()
        var rates = RateBook()
        var settings = RuleSettings()

        init(workers: Int) { self.workers = workers }

        /// Files the event whose bytes are at `range` in `batch`.
        mutating func route(seq: Int64, range: Range<Int>, in batch: Batch) throws {
            try StoredEventReader.reading(batch.bytes, range: range) { reader in try route(seq: seq, reader: reader, in: batch) }
        }

        private mutating func route(seq: Int64, reader: StoredEventReader, in batch: Batch) throws {
            let range = reader.begin..<reader.end
            guard let (stream, type) = reader.tail() else {
                // A tail this reader does not expect: decoded to learn its stream.
                let envelope = try FullEvaluation.decode(batch.bytes[range], seq: seq)
                guard envelope.stream.hasPrefix("project:") else {
                    record(envelope)
                    return
                }
                let id = Array(envelope.stream.utf8)
                let n = projects.index(id, 8..<id.count)
                batch.envelopes.append(envelope)
                batch.items[n % workers].append(Batch.Item(seq: seq, range: range, stream: 0..<0, type: 0..<0, project: n / workers,
                                                           envelope: batch.envelopes.count - 1))
                return
            }
            guard reader.hasPrefix(stream, "project:") else {
                if reader.equals(type, "ExchangeRateRecorded") || reader.equals(type, "RuleConfigured") {
                    record(try FullEvaluation.decode(batch.bytes[range], seq: seq))
                }
                return
            }
            let n = projects.index(reader.bytes, (stream.lowerBound + 8)..<stream.upperBound)
            batch.items[n % workers].append(Batch.Item(seq: seq, range: range, stream: stream, type: type, project: n / workers, envelope: -1))
        }

        private mutating func record(_ envelope: EventEnvelope) {
            rates.record(envelope)
            settings.record(envelope)
        }
    }

    /// The envelope of stored bytes, decoded and checked in full.
    static func decode(_ bytes: ArraySlice<UInt8>, seq: Int64) throws -> EventEnvelope {
        do {
            return try EventEnvelope(canonicalBytes: Array(bytes))
        } catch {
            throw StoreError.corruptEvent(seq: seq, reason: error.description)
        }
    }

    /// One worker's share of the fold: the projects dealt to it. A class so that the workers
    /// each mutate their own without copying; no two workers ever touch the same one.
    private final class PartFold: @unchecked Sendable {
        let worker: Int
        /// This worker's projects, by their number among its own: folded without the payee and
        /// user indices an append uses to re-judge one subject, since each is judged once, whole.
        var histories: [ProjectHistory] = []
        private var names = ByteInterner()
        private var currencies = CurrencyCache()
        private var failure: Error?

        init(worker: Int) { self.worker = worker }

        func tryAdd(_ batch: Batch) {
            guard failure == nil else { return }
            do { try add(batch) } catch { failure = error }
        }

        func rethrow() throws {
            if let failure { throw failure }
        }

        /// This worker's folded projects, handed over to be judged; leaves the worker with none.
        func takeHistories() -> [ProjectHistory] {
            var histories: [ProjectHistory] = []
            swap(&histories, &self.histories)
            return histories
        }

        /// Folds this worker's events of `batch` (in seq order). The histories and tables are
        /// moved into locals for the loop, which spares a dynamic exclusivity check of this
        /// object's properties at every event, and moved back whatever happens.
        func add(_ batch: Batch) throws {
            var histories: [ProjectHistory] = [], names = ByteInterner(), currencies = CurrencyCache()
            swap(&histories, &self.histories)
            swap(&names, &self.names)
            swap(&currencies, &self.currencies)
            defer {
                swap(&histories, &self.histories)
                swap(&names, &self.names)
                swap(&currencies, &self.currencies)
            }
            let bytes = batch.bytes
            try StoredEventReader.reading(batch: bytes) { readerAt in
                for item in batch.items[worker] {
                    if item.envelope >= 0 {
                        let envelope = batch.envelopes[item.envelope]
                        if item.project == histories.count { histories.append(ProjectHistory(project: String(envelope.stream.dropFirst(8)), indexingSubjects: false)) }
                        histories[item.project].apply(envelope)
                        continue
                    }
                    if item.project == histories.count {
                        histories.append(ProjectHistory(project: String(decoding: bytes[(item.stream.lowerBound + 8)..<item.stream.upperBound],
                                                                        as: UTF8.self), indexingSubjects: false))
                    }
                    let reader = readerAt(item.range)
                    let (kind, proposed) = ProjectFact.kind(reader, type: item.type)
                    if let read = ProjectFact.read(reader, stream: item.stream, kind: kind, proposed: proposed, seq: item.seq, names: &names,
                                                   currencies: &currencies) {
                        if let fact = read.fact { histories[item.project].apply(fact) }
                        histories[item.project].note(seq: item.seq, recordedAt: read.recordedAt)
                    } else {
                        histories[item.project].apply(try FullEvaluation.decode(bytes[item.range], seq: item.seq))
                    }
                }
            }
        }
    }
}

/// One folded project waiting to be judged, by one core, once: a class so that the judging
/// cores each empty their own slot (no two take the same one) without copying the history.
private final class JudgingSlot: @unchecked Sendable {
    private var history: ProjectHistory?
    /// How much judging it takes, roughly: its transactions, which most rules walk.
    let weight: Int

    init(_ history: ProjectHistory) {
        self.history = history
        self.weight = history.transactions.count
    }

    /// The project's flags, judged with the ledger's `rates` and `settings`; the history is
    /// released as soon as it is judged.
    func judge(rates: RateBook, settings: RuleSettings, engine: RuleEngine) -> [Flag] {
        guard var history = history.take() else { return [] }
        history.rates = rates
        history.settings = settings
        return engine.flags(for: history)
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
