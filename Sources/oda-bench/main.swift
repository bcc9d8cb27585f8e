import CanonicalJSON
import Crypto
import EventLog
import Foundation
import ODA
import SQLite
import Transparency

// oda-bench: release-built measurements of the ledger core, printed as one JSON object.
//
// Every figure is the median of `--runs` repetitions (default 3) on fresh files in a temporary
// directory. The plain-SQLite figures are the ceiling this machine allows for rows of the same
// size with the same durability; the ledger's figures are also given as a ratio to them.
//
//   swift run -c release oda-bench [--runs N] [--events N] [--verify-events N]
//   swift run -c release oda-bench --detection [--projects N] [--seed S] [--portfolio DIR]   (DetectionBenchmark.swift)
//   swift run -c release oda-bench inspection [...]   (the red-flag rules: InspectionBenchmark.swift)
//
// Also measured, on the large ledger: signing a checkpoint (tree edge read back from the file),
// inclusion and consistency proofs (mean time and size), and the Merkle tree's share of the
// append path.

// `--only SECTION` (append, read, verify, singles, plain, large) runs one section and what it
// needs, for profiling; the figures that matter come from a full run.

struct Arguments {
    var runs = 3
    var events = 100_000
    var batch = 1_000
    var singles = 2_000
    var verifyEvents = 1_000_000
    var projectionEvents = 50_000
    var only: String?

    /// Whether `section` runs in this invocation.
    func runs(_ section: String) -> Bool { only == nil || only == section }

    init() {
        var args = CommandLine.arguments.dropFirst()
        while let flag = args.popFirst() {
            if flag == "--only", let section = args.popFirst(),
               ["append", "read", "verify", "singles", "plain", "large"].contains(section) {
                only = section
                continue
            }
            guard let value = args.popFirst().flatMap(Int.init), value > 0 else {
                FileHandle.standardError.write(Data("usage: oda-bench [--runs N] [--events N] [--verify-events N] [--projection-events N] [--only append|read|verify|singles|plain|large]\n".utf8))
                exit(2)
            }
            switch flag {
            case "--runs": runs = value
            case "--events": events = value
            case "--verify-events": verifyEvents = value
            case "--projection-events": projectionEvents = value
            default:
                FileHandle.standardError.write(Data("oda-bench: unknown option \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

// `--detection`: precision and recall of the red-flag rules on a labelled synthetic portfolio.
if CommandLine.arguments.dropFirst().first == "--detection" {
    exit(DetectionBenchmark.main(Array(CommandLine.arguments.dropFirst(2))))
}
if CommandLine.arguments.dropFirst().first == "projections" { ProjectionBenchmark.runAlone(CommandLine.arguments.dropFirst(2)) }
if CommandLine.arguments.dropFirst().first == "inspection" {
    try InspectionBenchmark.main(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}

let arguments = Arguments()
let actor = try Actor(id: "user:bench", role: "recorder", unit: "LA-VT")
let provinces = ["LA-VT", "LA-SV", "LA-CH", "LA-LP", "LA-XA", "LA-BK", "LA-OU", "LA-PH"]

/// A budget revision of about 250 bytes of payload, as the ministry records them.
func payload(_ i: Int) -> JSONObject {
    var amount = JSONObject()
    amount["amount"] = .string("\(125_000 + (i * 7919) % 900_000).\(String(format: "%02d", i % 100))")
    amount["currency"] = .string(i % 3 == 0 ? "LAK" : "USD")
    var p = JSONObject()
    p["projectId"] = .string("LA-MPI-2026-\(String(format: "%04d", i % 2_000))")
    p["budgetLine"] = .string("BL-\(i % 12)-\(i % 5)")
    p["fiscalYear"] = .integer(2026)
    p["newAmount"] = .object(amount)
    p["previousAmount"] = .object(amount)
    p["decisionRef"] = .string("MPI/DIC/2026/\(i)")
    p["province"] = .string(provinces[i % provinces.count])
    p["reason"] = .string("Mid-year review of the annual budget plan")
    return p
}

func event(_ i: Int) -> ProposedEvent {
    try! ProposedEvent(stream: "project:LA-MPI-2026-\(String(format: "%04d", i % 2_000))", type: "AnnualBudgetRevised",
                       payload: payload(i))
}

func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("oda-bench-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func medianOf(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func rate(_ count: Int, _ d: Duration) -> Double { Double(count) / seconds(d) }

let clock = ContinuousClock()

if let path = ProcessInfo.processInfo.environment["ODA_BENCH_VERIFY"] {
    // Child mode: verify and report elapsed seconds and peak RSS (KiB, from the kernel).
    let store = try EventStore(openingAt: path, access: .readOnly)
    let cpuStart = processCPUSeconds()
    let d = clock.measure { precondition(try! ChainVerifier(store: store).verify().isIntact) }
    let cpu = processCPUSeconds() - cpuStart
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let hwm = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?
        .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0"
    print("\(seconds(d)) \(hwm) \(cpu)")
    exit(0)
}


/// Wall-clock time and this process's CPU time (user + system, all threads) of one timed region.
/// On a shared machine the wall figure depends on the neighbours; the CPU figure much less so.
struct Timing {
    var wall: Duration
    var cpuSeconds: Double
}

func measured(_ body: () -> Void) -> Timing {
    let cpuStart = processCPUSeconds()
    let wall = clock.measure(body)
    return Timing(wall: wall, cpuSeconds: processCPUSeconds() - cpuStart)
}

/// Appends `count` events in batches. The proposed events (payload formatting included) are built
/// before the clock starts: they are the caller's input, not part of an append.
func ledgerAppend(_ store: EventStore, count: Int, batch: Int, offset: Int = 0) -> Timing {
    let batches = stride(from: 0, to: count, by: batch).map { start in
        (start..<min(start + batch, count)).map { event($0 + offset) }
    }
    return measured {
        for b in batches { _ = try! store.append(b, actor: actor) }
    }
}

/// The ceiling: the same canonical bodies stored through plain SQLite with the same durability
/// (WAL, synchronous=FULL, one transaction per batch), keyed by an INTEGER PRIMARY KEY, with no
/// hashing, no JSON and no secondary index. Written as an efficient SQLite client would: one
/// prepared statement, integers bound directly, the body bound without a copy (SQLITE_STATIC).
func plainInsert(path: String, bodies: [[UInt8]], batch: Int) -> Timing {
    let db = try! Connection(path: path, mode: .readWriteCreate)
    _ = try! db.scalarText("PRAGMA journal_mode = WAL")
    try! db.execute("PRAGMA synchronous = FULL")
    try! db.execute("PRAGMA cache_size = -16000")
    try! db.execute("CREATE TABLE rows (seq INTEGER PRIMARY KEY, stream_id INTEGER NOT NULL, body BLOB NOT NULL)")
    let insert = try! db.prepare("INSERT INTO rows (seq, stream_id, body) VALUES (?1, ?2, ?3)")
    return measured {
        var i = 0
        while i < bodies.count {
            try! db.execute("BEGIN IMMEDIATE")
            for j in i..<min(i + batch, bodies.count) {
                try! insert.bind(Int64(j + 1), at: 1)
                try! insert.bind(Int64(j % 2_000), at: 2)
                try! insert.execute(borrowingBlob: bodies[j], at: 3)
            }
            try! db.execute("COMMIT")
            i += batch
        }
    }
}

/// The ledger's own rows, computed beforehand, inserted through SQLite alone: events with their
/// three indexes, each stream's row when it first appears, and the stored Merkle nodes after the
/// event that completes them, into a fresh ledger file (same schema, WAL, synchronous=FULL,
/// batches of `batch`). This is what SQLite costs for the ledger's data, the best the append path
/// could do without a different schema; the gap to it is the append path's own work (hashing,
/// serialization, checks).
func ledgerRowsInsert(from source: String, into path: String, batch: Int) -> (timing: Timing, rows: Int) {
    struct Row { var seq, streamID, version: Int64; var type, recordedAt: String; var key: String?; var hash, body: [UInt8] }
    let read = try! Connection(path: source, mode: .readOnly)
    var rows: [Row] = []
    let select = try! read.prepare("SELECT seq, stream_id, stream_version, type, recorded_at, idempotency_key, hash, body FROM events ORDER BY seq")
    try! select.bind([])
    while try! select.step() {
        rows.append(Row(seq: select.int64(at: 0), streamID: select.int64(at: 1), version: select.int64(at: 2), type: select.text(at: 3),
                        recordedAt: select.text(at: 4), key: select.optionalText(at: 5), hash: select.blob(at: 6), body: select.blob(at: 7)))
    }
    var streamNames: [Int64: String] = [:]
    let streams = try! read.prepare("SELECT id, name FROM streams")
    try! streams.bind([])
    while try! streams.step() { streamNames[streams.int64(at: 0)] = streams.text(at: 1) }
    // A node (level, idx) is completed by the leaf at seq (idx + 1) << level.
    var nodesAfter: [Int64: [(level: Int64, index: Int64, hash: [UInt8])]] = [:]
    let nodes = try! read.prepare("SELECT level, idx, hash FROM merkle_nodes")
    try! nodes.bind([])
    while try! nodes.step() {
        let level = nodes.int64(at: 0), index = nodes.int64(at: 1)
        nodesAfter[(index + 1) << level, default: []].append((level, index, nodes.blob(at: 2)))
    }
    _ = try! EventStore.create(at: path)
    let db = try! Connection(path: path, mode: .readWrite)
    try! db.execute("PRAGMA synchronous = FULL")
    try! db.execute("PRAGMA cache_size = -16000")
    let insertEvent = try! db.prepare("""
        INSERT INTO events (seq, stream_id, stream_version, type, recorded_at, idempotency_key, hash, body)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
        """)
    let insertStream = try! db.prepare("INSERT INTO streams (id, name) VALUES (?1, ?2)")
    let insertNode = try! db.prepare("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
    var seen = Set<Int64>()
    let timing = measured {
        var i = 0
        while i < rows.count {
            try! db.execute("BEGIN IMMEDIATE")
            for row in rows[i..<min(i + batch, rows.count)] {
                if seen.insert(row.streamID).inserted {
                    try! insertStream.bind(row.streamID, at: 1)
                    try! insertStream.bind(streamNames[row.streamID]!, at: 2)
                    while try! insertStream.step() {}
                    insertStream.reset()
                }
                try! insertEvent.bind(row.seq, at: 1)
                try! insertEvent.bind(row.streamID, at: 2)
                try! insertEvent.bind(row.version, at: 3)
                try! insertEvent.bind(row.type, at: 4)
                try! insertEvent.bind(row.recordedAt, at: 5)
                try! insertEvent.bind(row.key, at: 6)
                try! row.hash.withUnsafeBytes { try insertEvent.bind($0, at: 7) }
                try! insertEvent.execute(borrowingBlob: row.body, at: 8)
                for node in nodesAfter[row.seq] ?? [] {
                    try! insertNode.bind(node.level, at: 1)
                    try! insertNode.bind(node.index, at: 2)
                    try! insertNode.execute(borrowingBlob: node.hash, at: 3)
                }
            }
            try! db.execute("COMMIT")
            i += batch
        }
    }
    return (timing, rows.count)
}

func plainRead(path: String) -> (Duration, Int) {
    let db = try! Connection(path: path, mode: .readOnly)
    let select = try! db.prepare("SELECT seq, body FROM rows ORDER BY seq")
    var bytes = 0
    let d = clock.measure {
        try! select.bind([])
        while try! select.step() { bytes &+= select.blob(at: 1).count }
    }
    return (d, bytes)
}

struct Samples {
    var values: [String: [Double]] = [:]
    mutating func add(_ key: String, _ value: Double) { values[key, default: []].append(value) }
    func median(_ key: String) -> Double { values[key].map { medianOf($0) } ?? 0 }
}

var samples = Samples()
var sink = 0

for _ in 0..<arguments.runs {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }

    // Ledger: batched append, then full read and verify of what was written.
    let store = try EventStore.create(at: dir.appendingPathComponent("ledger.sqlite").path)
    let appendTiming = ledgerAppend(store, count: arguments.events, batch: arguments.batch)
    samples.add("batched_append_events_per_s", rate(arguments.events, appendTiming.wall))
    samples.add("batched_append_events_per_cpu_s", Double(arguments.events) / appendTiming.cpuSeconds)
    if arguments.runs("read") {
        var readBytes = 0
        let readCPU = processCPUSeconds()
        let read = clock.measure {
            try! store.readStored { e in readBytes &+= e.canonicalBytes.count &+ Int(e.seq); return true }
        }
        samples.add("full_read_cpu_us_per_event", 1e6 * (processCPUSeconds() - readCPU) / Double(arguments.events))
        sink &+= readBytes
        samples.add("full_read_events_per_s", rate(arguments.events, read))
    }
    // The same bodies, kept (untimed) for the plain-SQLite comparison below.
    var bodies: [[UInt8]] = []
    bodies.reserveCapacity(arguments.events)
    try! store.readStored { e in bodies.append(e.canonicalBytes); return true }
    if arguments.runs("read") {
        var decodedCount = 0
        let decodedCPU = processCPUSeconds()
        let decodedRead = clock.measure {
            try! store.read { e in decodedCount &+= e.envelope.payload.count; return true }
        }
        samples.add("full_read_decoded_cpu_us_per_event", 1e6 * (processCPUSeconds() - decodedCPU) / Double(arguments.events))
        sink &+= decodedCount
        samples.add("full_read_decoded_events_per_s", rate(arguments.events, decodedRead))
    }
    if arguments.runs("verify") {
        let verifyCPU = processCPUSeconds()
        let verify = clock.measure {
            let report = try! ChainVerifier(store: store).verify()
            precondition(report.isIntact && report.rowsChecked == Int64(arguments.events))
        }
        samples.add("verify_cpu_us_per_event", 1e6 * (processCPUSeconds() - verifyCPU) / Double(arguments.events))
        samples.add("verify_events_per_s", rate(arguments.events, verify))
    }
    if arguments.only == nil {
        // The Merkle tree's share of the append path: leaf hashes and frontier updates for every
        // event (the stored nodes add one 48-byte row per 16 events on top).
        let treeHasher = try SHA256Hasher()
        var frontier = MerkleFrontier()
        var persisted = 0
        let treeWork = clock.measure {
            for body in bodies {
                persisted += frontier.append(leafHash: MerkleHash.leaf(body, using: treeHasher), using: treeHasher).count { $0.id.level >= 4 }
            }
        }
        sink &+= persisted
        samples.add("tree_work_share_of_append_percent",
                    100 * seconds(treeWork) / (Double(arguments.events) / samples.values["batched_append_events_per_s"]!.last!))

        // Projections kept inside the append path, and a full rebuild into shadow tables, on the
        // same interleaved mix as `oda-bench projections` (which also rebuilds 1,000,000 events).
        let odaBatches = stride(from: 0, to: arguments.projectionEvents, by: arguments.batch).map { start in
            (start..<min(start + arguments.batch, arguments.projectionEvents)).map(RealisticODAEvents.event)
        }
        var odaTimes: [Duration] = []
        for withProjection in [false, true] {
            let odaStore = try EventStore.create(at: dir.appendingPathComponent("oda-\(withProjection).sqlite").path)
            if withProjection { try odaStore.register(ProjectStateProjector()) }
            odaTimes.append(clock.measure { for b in odaBatches { _ = try! odaStore.append(b, actor: actor) } })
            if withProjection {
                let rebuild = clock.measure { _ = try! odaStore.rebuild(ProjectStateProjector(), swap: true) { _, _ in () } }
                samples.add("projection_rebuild_events_per_s", rate(arguments.projectionEvents, rebuild))
            }
        }
        samples.add("projection_append_overhead_percent", 100 * (seconds(odaTimes[1]) / seconds(odaTimes[0]) - 1))
    }

    // Durable single-event appends, one transaction (and one fsync) each.
    if arguments.runs("singles") {
        let singles = try EventStore.create(at: dir.appendingPathComponent("singles.sqlite").path)
        let singlesTiming = ledgerAppend(singles, count: arguments.singles, batch: 1)
        samples.add("durable_single_appends_per_s", rate(arguments.singles, singlesTiming.wall))
        samples.add("durable_single_appends_per_cpu_s", Double(arguments.singles) / singlesTiming.cpuSeconds)
    }

    // The same rows through plain SQLite.
    if arguments.runs("plain") {
        let plainPath = dir.appendingPathComponent("plain.sqlite").path
        let plainTiming = plainInsert(path: plainPath, bodies: bodies, batch: arguments.batch)
        samples.add("plain_insert_rows_per_s", rate(bodies.count, plainTiming.wall))
        samples.add("plain_insert_rows_per_cpu_s", Double(bodies.count) / plainTiming.cpuSeconds)
        let schemaRows = ledgerRowsInsert(from: dir.appendingPathComponent("ledger.sqlite").path,
                                          into: dir.appendingPathComponent("rows.sqlite").path, batch: arguments.batch)
        samples.add("ledger_rows_sqlite_only_rows_per_s", rate(schemaRows.rows, schemaRows.timing.wall))
        samples.add("ledger_rows_sqlite_only_rows_per_cpu_s", Double(schemaRows.rows) / schemaRows.timing.cpuSeconds)
        let plainCPU = processCPUSeconds()
        let (plainReadTime, bytes) = plainRead(path: plainPath)
        samples.add("plain_read_cpu_us_per_row", 1e6 * (processCPUSeconds() - plainCPU) / Double(bodies.count))
        sink &+= bytes
        samples.add("plain_read_rows_per_s", rate(bodies.count, plainReadTime))
        let singlesPlain = dir.appendingPathComponent("plain-singles.sqlite").path
        let plainSingles = plainInsert(path: singlesPlain, bodies: Array(bodies.prefix(arguments.singles)), batch: 1)
        samples.add("plain_single_commits_per_s", rate(arguments.singles, plainSingles.wall))
        samples.add("plain_single_commits_per_cpu_s", Double(arguments.singles) / plainSingles.cpuSeconds)
    }
    samples.add("mean_event_bytes", Double(bodies.reduce(0) { $0 + $1.count }) / Double(bodies.count))
    samples.add("mean_payload_bytes", Double(try! store.events(EventQuery(limit: 1000)).reduce(0) {
        $0 + JSONValue.object($1.envelope.payload).canonicalBytes.count
    }) / 1000)
}

nonisolated(unsafe) var proofFigures: JSONObject = [:]

/// Verifies a ledger of `verifyEvents` events in a child process and reads that process's peak
/// resident memory, so the figure is the verifier's alone.
func verifyMemory() -> (events: Int, seconds: Double, peakMiB: Double, cpuSeconds: Double)? {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("big.sqlite").path
    let store = try! EventStore.create(at: path)
    var options = EventStore.Options()
    options.durability = .normal
    let big = try! EventStore(openingAt: path, options: options)
    _ = ledgerAppend(big, count: arguments.verifyEvents, batch: 10_000)
    _ = store
    // Checkpoint, inclusion and consistency proofs at this size, on a store opened afresh so the
    // tree's right edge is read back from the file rather than found in memory.
    let fresh = try! EventStore(openingAt: path)
    let signer = try! NoteSignerKey(name: try! fresh.origin(), privateKey: try! Ed25519PrivateKey.generate())
    let checkpointTime = clock.measure { _ = try! fresh.checkpoint(signer: signer) }
    let n = Int64(arguments.verifyEvents)
    var generator = SystemRandomNumberGenerator()
    let seqs = (0..<1_000).map { _ in Int64.random(in: 1...n, using: &generator) }
    var proofBytes = 0
    let inclusionTime = clock.measure {
        for seq in seqs { proofBytes += try! fresh.inclusionProof(seq: seq, treeSize: n).count * 32 }
    }
    let olds = (0..<200).map { _ in Int64.random(in: 1...n, using: &generator) }
    var consistencyBytes = 0
    let consistencyTime = clock.measure {
        for old in olds { consistencyBytes += try! fresh.consistencyProof(from: old, to: n).count * 32 }
    }
    proofFigures = [
        "checkpoint_seconds": .string(String(format: "%.4f", seconds(checkpointTime))),
        "inclusion_proof_ms": .string(String(format: "%.3f", seconds(inclusionTime) * 1000 / Double(seqs.count))),
        "inclusion_proof_bytes": .integer(Int64(proofBytes / seqs.count)),
        "consistency_proof_ms": .string(String(format: "%.3f", seconds(consistencyTime) * 1000 / Double(olds.count))),
        "consistency_proof_bytes": .integer(Int64(consistencyBytes / olds.count)),
    ]
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.environment = ["ODA_BENCH_VERIFY": path]
    let out = Pipe()
    child.standardOutput = out
    try! child.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    child.waitUntilExit()
    guard let fields = String(data: data, encoding: .utf8)?.split(whereSeparator: \.isWhitespace), fields.count == 3,
          let secondsValue = Double(fields[0]), let kib = Double(fields[1]), let cpu = Double(fields[2]) else { return nil }
    return (arguments.verifyEvents, secondsValue, kib / 1024, cpu)
}

let memory = arguments.runs("large") ? verifyMemory() : nil

func fmt(_ x: Double) -> JSONValue { .string(String(format: "%.0f", x)) }
func ratio(_ a: Double, _ b: Double) -> JSONValue { .string(String(format: "%.2f", b > 0 ? a / b : 0)) }

var result = JSONObject()
result["runs"] = .integer(Int64(arguments.runs))
result["events"] = .integer(Int64(arguments.events))
result["batch_size"] = .integer(Int64(arguments.batch))
result["durability"] = "synchronous=FULL, WAL"
result["mean_event_bytes"] = fmt(samples.median("mean_event_bytes"))
result["mean_payload_bytes"] = fmt(samples.median("mean_payload_bytes"))
for key in samples.values.keys.sorted() where key.hasSuffix("_per_s") || key.hasSuffix("_per_cpu_s") {
    result[key] = fmt(samples.median(key))
}
result["tree_work_share_of_append_percent"] = .string(String(format: "%.1f", samples.median("tree_work_share_of_append_percent")))
for key in samples.values.keys.sorted() where key.contains("_cpu_us_per_") {
    // CPU time of the whole process (all threads) per event: steadier than wall time on a busy machine.
    result[key] = .string(String(format: "%.2f", samples.median(key)))
}
result["projection_append_overhead_percent"] = .string(String(format: "%.1f", samples.median("projection_append_overhead_percent")))
result["projection_events"] = .integer(Int64(arguments.projectionEvents))
var sampleLists = JSONObject()
for key in samples.values.keys where key.hasSuffix("_per_s") || key.hasSuffix("_per_cpu_s") {
    sampleLists[key] = .array(samples.values[key]!.map { fmt($0) })
}
result["samples"] = .object(sampleLists)
result["ratio_batched_append_to_plain_insert"] = ratio(samples.median("batched_append_events_per_s"), samples.median("plain_insert_rows_per_s"))
result["ratio_full_read_to_plain_read"] = ratio(samples.median("full_read_events_per_s"), samples.median("plain_read_rows_per_s"))
result["ratio_verify_to_plain_read"] = ratio(samples.median("verify_events_per_s"), samples.median("plain_read_rows_per_s"))
result["ratio_batched_append_to_plain_insert_cpu"] = ratio(samples.median("batched_append_events_per_cpu_s"), samples.median("plain_insert_rows_per_cpu_s"))
result["ratio_ledger_rows_sqlite_only_to_plain_insert_cpu"] = ratio(samples.median("ledger_rows_sqlite_only_rows_per_cpu_s"), samples.median("plain_insert_rows_per_cpu_s"))
result["ratio_single_appends_to_plain_commits"] = ratio(samples.median("durable_single_appends_per_s"), samples.median("plain_single_commits_per_s"))
if let memory {
    result["verify_large"] = [
        "events": .integer(Int64(memory.events)),
        "events_per_s": fmt(Double(memory.events) / memory.seconds),
        "peak_rss_mib": .string(String(format: "%.1f", memory.peakMiB)),
        "cpu_us_per_event": .string(String(format: "%.2f", 1e6 * memory.cpuSeconds / Double(memory.events))),
    ]
    result["proofs_at_large_size"] = .object(proofFigures)
}
result["sink"] = .integer(Int64(sink & 1))
print(JSONValue.object(result).canonicalString)
