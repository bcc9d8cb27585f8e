import CanonicalJSON
import EventLog
import Foundation
import Import
import Inspection
import ODA
import Transparency

/// `oda-ledger demo`: the whole system on the bundled sample, in one command.
///
/// Builds a fresh ledger from the synthetic portfolio (`Tests/Fixtures/synthetic`, with its injected
/// anomalies, each line recorded by its own actor at its own simulated time) and the real Lao
/// records (the quickstart sample, the ADB project summary, the UNDP IATI excerpt through the IATI
/// importer), every event through the validated append path; then replays the projections,
/// evaluates every rule from scratch against the flag projection, signs a checkpoint,
/// verifies the chain and that the ledger extends the checkpoint, and prints a short summary.
///
/// The data directory is made by the demo: it refuses a non-empty directory unless a previous demo
/// made it (its `demo.manifest` lists the files the demo wrote) and nothing else is in it; then it
/// deletes exactly those files and builds again from scratch, so every run gives the same ledger
/// (apart from the signing key and the ledger id).
enum DemoCommand: LedgerCommand {
    static let defaultDirectory = "./oda-demo"
    static let manifestName = "demo.manifest"

    static let spec = CommandSpec(
        name: "demo",
        abstract: "Build a demo ledger from the bundled Lao sample, inspect it, sign and verify it.",
        options: [
            .init(name: "data", value: "DIR", help: "Where to build the demo ledger (default \(defaultDirectory)); must be empty, new, or a previous demo's."),
            .init(name: "fixtures", value: "DIR", help: "The bundled sample folder (default: Tests/Fixtures of the source tree, found automatically)."),
            .init(name: "flags", value: "N", help: "How many flags to show (default 12)."),
        ],
        discussion: """
            Records the synthetic portfolio (Tests/Fixtures/synthetic, made by Tools/generate_portfolio.py, with a few
            anomalies of each kind and labels.json saying which), then the real records: Tests/Fixtures/sample, the ADB
            projects of Tests/Fixtures/lao and the UNDP IATI excerpt. Synthetic events carry their scenario's actor and
            time (a simulated clock); the real records are recorded after them. Self-approval is allowed for this load
            so that the injected self-approvals can be recorded (and flagged). Running it again into the same directory
            deletes the previous demo's files (listed in demo.manifest) and builds the same ledger again; any other
            file in the directory makes it refuse, as does a non-empty directory a demo did not make.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let console = context.console
        let started = Date()
        let fixtures = try DemoFixtures.locate(option: arguments["fixtures"], environment: context.environment)
        let flagCount = Int(try arguments.integer("flags", command: spec.name, minimum: 1) ?? 12)
        let directory = DataDirectory(option: arguments["data"] ?? defaultDirectory, environment: [:])
        try prepare(directory, console: console)

        // The ledger, its key, and a store whose clock the scenario sets.
        let initialized = try InitCommand.spec.parse(["--data", directory.path])
        let quiet = Console(writeOut: { _ in }, writeErr: { _ in }, readInput: { [] })
        _ = try InitCommand.run(initialized, CommandContext(console: quiet, environment: [:]))
        try writeManifest(directory)
        let synthetic = try SyntheticPortfolio(contentsOf: fixtures.synthetic)
        guard let first = synthetic.lines.first, let last = synthetic.lines.last else {
            throw CommandFailure("\(fixtures.synthetic) holds no events")
        }
        let clock = ScenarioClock(first.recordedAt)
        let store = try EventStore(openingAt: directory.ledgerFile, options: clock.storeOptions())
        try store.register(ProjectStateProjector())
        let validator = EventValidator(policy: ValidationPolicy(allowsSelfApproval: true))

        console.print("ODA Ledger demo: building \(directory.ledgerFile) from \(fixtures.path)")
        try synthetic.append(into: store, clock: clock, validator: validator)
        console.print("  recorded the synthetic portfolio: \(synthetic.lines.count) events, \(last.recordedAt.rfc3339.prefix(10)) last "
            + "(injected anomalies: \(fixtures.path)/synthetic/labels.json)")
        let real = try recordRealRecords(fixtures, store: store, clock: clock, after: last.recordedAt, validator: validator, context: context)
        console.print("  recorded the real Lao records: \(real.sample) sample events, \(real.adbProjects) ADB projects "
            + "(\(real.adb) events), \(real.undp) events from the UNDP IATI excerpt")

        // The inspection projections catch up now, in large batches: kept on every append from the
        // start, the flag projection would re-judge a project's whole stream per event (quadratic).
        try store.register(FlagProjector())
        try store.register(CaseProjector())

        // Projections replayed from the events; their digest must equal the one kept on append.
        let before = try store.withProjectionSnapshot { try ProjectionDigest(of: $0) }
        let rebuilt = try store.rebuild(ProjectStateProjector(), swap: true) { try ProjectionDigest(of: $0, prefix: $1) }
        let projectionsAgree = before == rebuilt.result

        // Inspection: every rule from scratch, compared flag for flag with the flag projection's table.
        let stored = try store.withProjectionSnapshot { try FlagTable.all(in: $0) }
        let full = try FullEvaluation.flags(in: store)
        let flagsAgree = stored == full
        // The population rules (peers, portfolio-wide concentration, Benford) judge the whole
        // portfolio at a recorded point, as `flags --evaluate` does.
        let evaluatedAt = try store.evaluatePopulationRules(trigger: .onDemand, actor: try Actor(id: "user:inspector"))
        let population = try store.withProjectionSnapshot { try PopulationFlagTable.all(in: $0) }

        // A signed checkpoint, written as an auditor keeps it, then verification against it.
        let signer = try LedgerKeys.signer(directory, origin: try store.origin())
        let checkpoint = try store.checkpoint(signer: signer)
        let checkpointFile = directory.path + "/checkpoint.note"
        try TextFile.write(checkpoint.note, to: checkpointFile, what: "checkpoint")
        let report = try ChainVerifier(store: store).verify()
        let audit = try store.auditCheckpoint(note: checkpoint.note, trusting: try LedgerKeys.localAnchors(directory, origin: try store.origin()))

        try DemoSummary(store: store, flags: full, shown: flagCount, console: console).print()

        console.print("")
        console.print("== Verification")
        console.print("  projections replayed from \(rebuilt.position) events: digest \(rebuilt.result) "
            + (projectionsAgree ? "(equals the live one)" : "(DIFFERS from the live one \(before))"))
        console.print("  inspection: a full evaluation gives \(full.count) flags, "
            + (flagsAgree ? "exactly the flags the flag projection keeps" : "NOT the \(stored.count) flags the flag projection keeps"))
        let populationRules = Dictionary(grouping: population, by: \.ruleId).map { "\($0.key) \($0.value.count)" }.sorted()
        console.print("  population rules evaluated at seq \(evaluatedAt.map(String.init) ?? "-"): \(population.count) flag(s)"
            + (populationRules.isEmpty ? "" : " (" + populationRules.joined(separator: ", ") + ")"))
        console.print("  chain: " + (report.isIntact ? "intact, \(report.rowsChecked) events, head seq \(report.head.seq) hash \(report.head.hash.hex)"
                                                     : "NOT INTACT: \(report.totalFindings) finding(s)"))
        console.print("  checkpoint \(checkpointFile) (tree size \(checkpoint.size), root \(checkpoint.root.hex.prefix(16))…): "
            + "\(audit.verdict.name.replacingOccurrences(of: "-", with: " ")): \(audit.detail)")
        for noteLine in checkpoint.note.split(separator: "\n") { console.print("    " + noteLine) }
        console.print("")
        console.print(String(format: "Done in %.1f s. Explore: oda-ledger flags --data %@ | oda-ledger portfolio --data %@ --by province | "
                             + "oda-ledger project show ID --data %@", Date().timeIntervalSince(started), directory.path, directory.path, directory.path))
        let passed = report.isIntact && audit.passed && projectionsAgree && flagsAgree
        return passed ? .success : .integrityFinding
    }

    // MARK: - The data directory

    /// The files a demo writes (the ledger's WAL and shared-memory files come and go with it).
    static let ownedFiles = ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "signing-key.pem", "signing-key.pub.pem",
                             "signing-key.vkey", "checkpoint.note", manifestName]

    /// Makes sure `directory` can take a new demo: absent, empty, or a previous demo's (whose files it
    /// then deletes, one by one by name). Anything else is refused with what was found.
    static func prepare(_ directory: DataDirectory, console: Console) throws {
        let files = FileManager.default
        var isFolder: ObjCBool = false
        guard files.fileExists(atPath: directory.path, isDirectory: &isFolder) else { return }
        guard isFolder.boolValue else { throw CommandFailure("\(directory.path) exists and is not a directory; choose another --data") }
        let contents = try files.contentsOfDirectory(atPath: directory.path)
        guard !contents.isEmpty else { return }
        guard contents.contains(manifestName) else {
            throw CommandFailure("\(directory.path) is not empty and was not made by `oda-ledger demo` (no \(manifestName)); "
                + "the demo never writes into an existing ledger. Choose another --data, e.g. --data ./oda-demo")
        }
        let foreign = contents.filter { !ownedFiles.contains($0) }.sorted()
        guard foreign.isEmpty else {
            throw CommandFailure("\(directory.path) holds a previous demo but also \(foreign.joined(separator: ", ")), which the demo did not "
                + "write; move them away or choose another --data. Nothing was deleted")
        }
        for name in ownedFiles where contents.contains(name) {
            try files.removeItem(atPath: directory.path + "/" + name)
        }
        console.print("removed the previous demo in \(directory.path) (\(contents.count) files listed in \(manifestName))")
    }

    static func writeManifest(_ directory: DataDirectory) throws {
        let text = "# Written by `oda-ledger demo`. A later demo run deletes exactly these files and builds again.\n"
            + ownedFiles.joined(separator: "\n") + "\n"
        try TextFile.write(text, to: directory.path + "/" + manifestName, what: "demo manifest")
    }

    // MARK: - Real records

    struct RealCounts {
        var sample = 0, adb = 0, adbProjects = 0, undp = 0
    }

    /// Records the real records after the synthetic portfolio: the clock moves to 09:00 Vientiane
    /// on the next working day, then one minute per batch.
    static func recordRealRecords(_ fixtures: DemoFixtures, store: EventStore, clock: ScenarioClock, after: Timestamp,
                                  validator: EventValidator, context: CommandContext) throws -> RealCounts {
        let day = after.microsecondsSinceEpoch / 86_400_000_000 + 1
        var time = Timestamp(microsecondsSinceEpoch: (day * 86_400 + 2 * 3600) * 1_000_000) // 09:00 UTC+7
        func tick() {
            clock.set(time)
            time = Timestamp(microsecondsSinceEpoch: time.microsecondsSinceEpoch + 60_000_000)
        }
        var counts = RealCounts()
        let recorder = try Actor(id: "user:recorder"), approver = try Actor(id: "user:approver")
        for (file, actor) in zip(fixtures.samples, [recorder, approver, recorder]) {
            let bytes = try AppendCommand.readInput(file, context)
            let events = try AppendCommand.parseLines(bytes, source: file)
            tick()
            counts.sample += try append(events, store: store, actor: actor, validator: validator, what: file)
        }
        let importer = try Actor(id: "importer:adb")
        for project in try DemoADBProjects.read(fixtures.adb) where try store.version(of: "project:\(project.id)") == 0 {
            tick()
            counts.adb += try append(project.proposal, store: store, actor: importer, validator: validator, what: fixtures.adb)
            counts.adb += try append([project.approval], store: store, actor: approver, validator: validator, what: fixtures.adb)
            counts.adb += try append(project.transactions, store: store, actor: importer, validator: validator, what: fixtures.adb)
            counts.adbProjects += 1
        }
        tick()
        let result = try IATIImporter.importFile(at: fixtures.undp, into: store, actor: try Actor(id: "importer:iati"), validator: validator)
        counts.undp = result.appended
        return counts
    }

    static func append(_ events: [ProposedEvent], store: EventStore, actor: Actor, validator: EventValidator, what: String) throws -> Int {
        do {
            return try store.appendValidated(events, actor: actor, validator: validator).filter { !$0.wasAlreadyRecorded }.count
        } catch let error as ValidationError {
            throw CommandFailure("\(what): \(events[error.index].type) on \(events[error.index].stream) refused: \(error)")
        }
    }
}
