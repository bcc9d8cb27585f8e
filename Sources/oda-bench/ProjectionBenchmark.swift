import CanonicalJSON
import EventLog
import Foundation
import ODA

// The ODA projection figures: the cost of keeping `ProjectStateProjector` inside the append
// path, the rate of a full rebuild into shadow tables, and the cost of a validated append as a
// project's history grows. Part of the full `oda-bench` run, or alone:
//
//   oda-bench projections [--runs N] [--projection-events N] [--rebuild-events N] [--history N]
//                         [--sequential-appends]
//
// The append overhead compares two fresh ledgers, one without and one with the projector, fed
// the same batches alternately (ABBA), so that load from elsewhere on a shared machine falls on
// both sides of each pair; a run's overhead is its ratio of summed times (wall and CPU), and the
// figure is the median over runs (`--sequential-appends`: all batches to one ledger, then all to
// the other, as earlier versions measured). Both the append figures and the rebuild use
// `RealisticODAEvents` (the catalogue's types in a working portfolio's proportions, projects
// interleaved). The rebuild ledger (`--rebuild-events`, one million by default, as issue #3 asks)
// is appended once without projectors, then brought to the state `oda-ledger replay` meets (live
// projection tables at the head) by one untimed rebuild; each run then times a full rebuild of
// it: shadow tables, the old live tables dropped, the swap and the commit. The rebuild shares its
// work with a second thread (`ProjectionRebuild`'s scan stage), so its wall rate can exceed its
// CPU rate: `projection_rebuild_events_per_cpu_s` divides by the CPU time of the whole process,
// both threads included. Last, a read of the long-history project at the head (live tables) and
// as of the head (its stream replayed), so a change of the table layout shows what it costs readers.

/// One repetition's projection figures.
struct ProjectionFigures {
    /// Seconds to append the events in batches without projectors, and with the projector.
    var plainAppend: Double
    var projectedAppend: Double
    /// Events per second of the full rebuild of the rebuild ledger into shadow tables and swap
    /// (`oda-ledger replay` without its digest).
    var rebuildRate: Double
    /// Seconds to compute the projection digest afterwards (what `replay` adds to the rebuild).
    var digestSeconds: Double
    /// Per-event seconds of a validated single-event append on a project with a short history
    /// and on one with `history` events.
    var validatedShort: Double
    var validatedLong: Double
    /// Seconds to read the `history`-event project at the head (live tables: its transactions found
    /// through the stream index, its audit trail derived from its events) and as of the head by
    /// replaying its stream into memory (the slower way a read takes when the tables cannot answer).
    var projectReadHead: Double
    var projectReadReplay: Double

    /// The same three phases in this process's CPU seconds, which other load on the machine
    /// disturbs far less than wall time (but which leave out waits for fsync).
    var plainAppendCPU: Double
    var projectedAppendCPU: Double
    var rebuildCPU: Double

    var appendOverheadPercent: Double { 100 * (projectedAppend / plainAppend - 1) }
    var appendOverheadCPUPercent: Double { 100 * (projectedAppendCPU / plainAppendCPU - 1) }
}

/// CPU seconds used by this process so far.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

enum ProjectionBenchmark {
    static let actor = try! Actor(id: "user:bench", role: "recorder", unit: "LA-VT")

    /// The validated-append figures' events: each project proposed, then disbursed against, in
    /// catalogue form; 100 events per project. (The append and rebuild figures use `RealisticODAEvents`.)
    static func odaEvent(_ i: Int) -> ProposedEvent {
        let project = "LA-MPI-2026-\(String(format: "%04d", i / 100))"
        if i % 100 == 0 {
            let payload: JSONObject = [
                "projectId": .string(project), "title": "Rural water supply", "developmentPartner": "XM-DAC-41114",
                "implementingAgency": "LA-MPWT", "plannedStartDate": "2026-01-01", "plannedEndDate": "2028-12-31",
                "estimatedCost": ["amount": "1250000.00", "currency": "USD"], "sectorWorkingGroup": "infrastructure",
            ]
            return try! ProposedEvent(stream: "project:" + project, type: "ProjectProposed", payload: payload)
        }
        return disbursement(project: project, i)
    }

    static func disbursement(project: String, _ i: Int) -> ProposedEvent {
        let payload: JSONObject = [
            "transactionId": .string("D-\(i)"), "date": "2026-06-01",
            "amount": ["amount": .string("\(1000 + i % 997).50"), "currency": "USD"], "provider": "XM-DAC-41114",
            "reference": .string("DISB-\(i)"),
        ]
        return try! ProposedEvent(stream: "project:" + project, type: "DisbursementRecorded", payload: payload)
    }

    /// Appends `events` realistic events in batches of `batch` to a ledger without and one with
    /// the projector, rebuilds `rebuildStore` (holding `rebuildEvents`), and times validated
    /// appends against a short and a `history`-event project.
    static func measure(in dir: URL, events: Int, batch: Int, rebuildStore: EventStore, rebuildEvents: Int,
                        history: Int, sequential: Bool = false) throws -> ProjectionFigures {
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        let batches = stride(from: 0, to: events, by: batch).map { start in
            (start..<min(start + batch, events)).map(RealisticODAEvents.event)
        }
        // The two ledgers take the same batches in turn (ABBA: which goes first alternates), so a
        // change of load on the machine falls on both alike; each ledger's time is the sum over
        // its batches, every batch's whole append timed (commit included).
        let stores = try [false, true].map { withProjection in
            let store = try EventStore.create(at: dir.appendingPathComponent("oda-\(withProjection).sqlite").path)
            if withProjection { try store.register(ProjectStateProjector()) }
            return store
        }
        var times = [0.0, 0.0], cpu = [0.0, 0.0]
        // `sequential`: every batch to the first ledger, then every batch to the second (the
        // earlier method, kept to compare figures across versions).
        let turns = sequential ? [0, 1].flatMap { which in batches.indices.map { ($0, which) } }
            : batches.indices.flatMap { index in (index % 2 == 0 ? [0, 1] : [1, 0]).map { (index, $0) } }
        for (index, which) in turns {
            let cpuStart = processCPUSeconds()
            times[which] += seconds(clock.measure { _ = try! stores[which].append(batches[index], actor: actor) })
            cpu[which] += processCPUSeconds() - cpuStart
        }
        // The rebuild alone (shadow tables, old tables dropped, swap, commit), then what `replay` adds: the digest.
        let rebuildStart = processCPUSeconds()
        let rebuild = clock.measure { _ = try! rebuildStore.rebuild(ProjectStateProjector(), swap: true) { _, _ in () } }
        let rebuildCPU = processCPUSeconds() - rebuildStart
        let rebuildRate = Double(rebuildEvents) / seconds(rebuild)
        let digestTime = seconds(clock.measure { _ = try! rebuildStore.withProjectionSnapshot { try ProjectionDigest(of: $0) } })

        // Validated appends: the same single disbursement on a fresh project and on one that
        // already holds `history` events (built unvalidated, which is not what is timed).
        let store = try EventStore.create(at: dir.appendingPathComponent("validated.sqlite").path)
        try store.register(ProjectStateProjector())
        let validator = EventValidator()
        func propose(_ id: String) throws {
            var payload = odaEvent(0).payload
            payload["projectId"] = .string(id)
            let event = try ProposedEvent(stream: "project:" + id, type: "ProjectProposed", payload: payload)
            _ = try store.appendValidated([event], actor: actor, validator: validator)
        }
        try propose("LA-MPI-2026-SHORT")
        try propose("LA-MPI-2026-LONG")
        for start in stride(from: 0, to: history, by: 1000) {
            _ = try store.append((start..<min(start + 1000, history)).map { disbursement(project: "LA-MPI-2026-LONG", $0) },
                                 actor: actor)
        }
        let rounds = 50
        func timed(_ project: String, offset: Int) -> Double {
            seconds(clock.measure {
                for i in 0..<rounds {
                    _ = try! store.appendValidated([disbursement(project: project, offset + i)], actor: actor, validator: validator)
                }
            }) / Double(rounds)
        }
        let short = timed("LA-MPI-2026-SHORT", offset: 10_000_000)
        let long = timed("LA-MPI-2026-LONG", offset: 20_000_000)
        let reads = 5
        let head = try store.head().seq
        let readHead = seconds(clock.measure {
            for _ in 0..<reads { precondition(try! store.projectSnapshot("LA-MPI-2026-LONG")?.history.count ?? 0 > history) }
        }) / Double(reads)
        let readReplay = seconds(clock.measure {
            for _ in 0..<reads { precondition(try! store.projectSnapshot("LA-MPI-2026-LONG", asOf: .seq(head)) != nil) }
        }) / Double(reads)
        return ProjectionFigures(plainAppend: times[0], projectedAppend: times[1], rebuildRate: rebuildRate, digestSeconds: digestTime,
                                 validatedShort: short, validatedLong: long, projectReadHead: readHead, projectReadReplay: readReplay,
                                 plainAppendCPU: cpu[0], projectedAppendCPU: cpu[1], rebuildCPU: rebuildCPU)
    }

    /// The ledger every run rebuilds: `events` realistic events appended without projectors in
    /// batches of 5,000, then one untimed rebuild so it holds live projection tables at the head.
    static func rebuildLedger(in dir: URL, events: Int) throws -> EventStore {
        let store = try EventStore.create(at: dir.appendingPathComponent("rebuild.sqlite").path)
        for start in stride(from: 0, to: events, by: 5_000) {
            _ = try store.append((start..<min(start + 5_000, events)).map(RealisticODAEvents.event), actor: actor)
        }
        _ = try store.rebuild(ProjectStateProjector(), swap: true) { _, _ in () }
        return store
    }

    /// `oda-bench projections ...`: only these figures, medians of `--runs`, as one JSON object.
    static func runAlone(_ options: ArraySlice<String>) -> Never {
        var runs = 3, events = 50_000, rebuildEvents = 1_000_000, history = 20_000
        var sequential = false
        var args = options
        while let flag = args.popFirst() {
            if flag == "--sequential-appends" {
                sequential = true
                continue
            }
            guard let value = args.popFirst().flatMap(Int.init), value > 0,
                  ["--runs", "--projection-events", "--rebuild-events", "--history"].contains(flag) else {
                FileHandle.standardError.write(Data(
                    "usage: oda-bench projections [--runs N] [--projection-events N] [--rebuild-events N] [--history N] [--sequential-appends]\n".utf8))
                exit(2)
            }
            switch flag {
            case "--runs": runs = value
            case "--projection-events": events = value
            case "--rebuild-events": rebuildEvents = value
            default: history = value
            }
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("oda-bench-proj-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let rebuildStore = try! rebuildLedger(in: base, events: rebuildEvents)
        var all: [ProjectionFigures] = []
        for _ in 0..<runs {
            let dir = base.appendingPathComponent(UUID().uuidString)
            try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            all.append(try! measure(in: dir, events: events, batch: 1000, rebuildStore: rebuildStore, rebuildEvents: rebuildEvents,
                                    history: history, sequential: sequential))
        }
        func median(_ f: (ProjectionFigures) -> Double) -> Double {
            let s = all.map(f).sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        func samples(_ f: (ProjectionFigures) -> Double, _ format: String) -> JSONValue {
            .array(all.map { .string(String(format: format, f($0))) })
        }
        let result: JSONObject = [
            "runs": .integer(Int64(runs)),
            "projection_events": .integer(Int64(events)),
            "batch_size": 1000,
            "append_order": .string(sequential ? "sequential" : "interleaved"),
            "append_without_projection_events_per_s": .string(String(format: "%.0f", median { Double(events) / $0.plainAppend })),
            "append_with_projection_events_per_s": .string(String(format: "%.0f", median { Double(events) / $0.projectedAppend })),
            "projection_append_overhead_percent": .string(String(format: "%.1f", median(\.appendOverheadPercent))),
            "projection_rebuild_events_per_s": .string(String(format: "%.0f", median(\.rebuildRate))),
            "projection_append_overhead_cpu_percent": .string(String(format: "%.1f", median(\.appendOverheadCPUPercent))),
            "projection_rebuild_events": .integer(Int64(rebuildEvents)),
            "projection_rebuild_events_per_cpu_s": .string(String(format: "%.0f", median { Double(rebuildEvents) / $0.rebuildCPU })),
            "projection_digest_seconds": .string(String(format: "%.2f", median(\.digestSeconds))),
            "validated_append_history": .integer(Int64(history)),
            "validated_append_short_history_us": .string(String(format: "%.0f", median { $0.validatedShort * 1e6 })),
            "validated_append_long_history_us": .string(String(format: "%.0f", median { $0.validatedLong * 1e6 })),
            "project_read_long_history_head_ms": .string(String(format: "%.1f", median { $0.projectReadHead * 1e3 })),
            "project_read_long_history_replay_ms": .string(String(format: "%.1f", median { $0.projectReadReplay * 1e3 })),
            "samples": [
                "projection_append_overhead_percent": samples(\.appendOverheadPercent, "%.1f"),
                "projection_rebuild_events_per_s": samples(\.rebuildRate, "%.0f"),
                "projection_append_overhead_cpu_percent": samples(\.appendOverheadCPUPercent, "%.1f"),
                "projection_rebuild_events_per_cpu_s": samples({ Double(rebuildEvents) / $0.rebuildCPU }, "%.0f"),
                "validated_append_long_history_us": samples({ $0.validatedLong * 1e6 }, "%.0f"),
            ],
        ]
        print(JSONValue.object(result).canonicalString)
        exit(0)
    }
}
