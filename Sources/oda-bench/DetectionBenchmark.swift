import CanonicalJSON
import EventLog
import Foundation
import Inspection
import LedgerCLI
import ODA

/// `oda-bench --detection`: precision and recall of every rule, subject and population, on a
/// synthetic portfolio with labelled, injected anomalies (`Tools/generate_portfolio.py`).
///
///   swift run -c release oda-bench --detection [--projects N] [--seed S] [--portfolio DIR] [--keep DIR]
///
/// Runs the generator into a temporary folder (or reads `DIR/portfolio.jsonl` and `DIR/labels.json`),
/// records every line through the validated append path with its actor and simulated time, runs a
/// full evaluation of the subject rules, then records a population evaluation as the product does
/// (`PopulationRulesEvaluated`, on demand, its flags read back from `insp_population_flags`), and
/// matches flags to labels: a flag is a true positive when its rule and subject
/// (kind, name, project) equal one of a label's expectations and its evidence holds the seq of one of
/// the label's events. Prints one JSON object: per rule the labels, flags, recall and precision
/// (targets 0.95 and 0.9) and the near misses (`decoys`: background just inside the rule's
/// threshold) it flagged, then every false positive and every missed label with what it was.
enum DetectionBenchmark {
    struct Options {
        var projects = 120
        var seed = 11
        var portfolio: String?
        var keep: String?
    }

    struct Expectation: Hashable {
        let rule: String
        let kind: String
        let name: String
        let project: String
    }

    struct Label {
        let id: String
        let kind: String
        let expectations: [Expectation]
        let keys: [String]
        let description: String
    }

    /// A near miss: background built just inside a rule's threshold, which the rule must not flag.
    struct Decoy {
        let id: String
        let kind: String
        let rule: String
        let keys: [String]
        let description: String
    }

    static func main(_ arguments: [String]) -> Int32 {
        do {
            let options = try parse(arguments)
            try run(options)
            return 0
        } catch {
            FileHandle.standardError.write(Data("oda-bench --detection: \(error)\n".utf8))
            return 2
        }
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw CommandError("\(flag) needs a value") }
            switch flag {
            case "--projects": options.projects = try positive(value, flag)
            case "--seed": options.seed = try positive(value, flag)
            case "--portfolio": options.portfolio = value
            case "--keep": options.keep = value
            default: throw CommandError("unknown option \(flag); usage: oda-bench --detection [--projects N] [--seed S] [--portfolio DIR] [--keep DIR]")
            }
        }
        return options
    }

    struct CommandError: Error, CustomStringConvertible {
        let description: String
        init(_ text: String) { description = text }
    }

    static func positive(_ text: String, _ flag: String) throws -> Int {
        guard let value = Int(text), value > 0 else { throw CommandError("\(flag) must be a positive whole number, not \(text)") }
        return value
    }

    static func run(_ options: Options) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("oda-detection-\(ProcessInfo.processInfo.processIdentifier)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let folder: String
        let generateStart = Date()
        if let given = options.portfolio {
            folder = given
        } else {
            folder = options.keep ?? work + "/portfolio"
            try generate(into: folder, projects: options.projects, seed: options.seed)
        }
        let generateSeconds = Date().timeIntervalSince(generateStart)

        let portfolio = try LedgerCLI.SyntheticPortfolio(contentsOf: folder + "/portfolio.jsonl")
        let (labels, decoys) = try readLabels(folder + "/labels.json")
        guard let first = portfolio.lines.first else { throw CommandError("\(folder)/portfolio.jsonl holds no events") }
        let clock = ScenarioClock(first.recordedAt)
        let store = try EventStore.create(at: work + "/ledger.sqlite", options: clock.storeOptions())
        // As in a deployment: the validator reads each project's state from this projection.
        try store.register(ProjectStateProjector())
        let appendStart = Date()
        let seqs = try portfolio.append(into: store, clock: clock, validator: EventValidator(policy: ValidationPolicy(allowsSelfApproval: true)))
        let appendSeconds = Date().timeIntervalSince(appendStart)
        let evaluationStart = Date()
        let subjectFlags = try FullEvaluation.flags(in: store)
        let evaluationSeconds = Date().timeIntervalSince(evaluationStart)
        let populationStart = Date()
        let evaluatedAt = try store.evaluatePopulationRules(trigger: .onDemand, actor: try Actor(id: "user:inspector"))
        let populationFlags = try store.withProjectionSnapshot { try PopulationFlagTable.all(in: $0) }
        let populationSeconds = Date().timeIntervalSince(populationStart)
        let flags = subjectFlags + populationFlags

        // Matching.
        func matches(_ flag: Flag, _ label: Label, _ expectation: Expectation) -> Bool {
            let evidence = Set(flag.evidence)
            return expectation.rule == flag.ruleId && expectation.kind == flag.subject.kind.rawValue
                && expectation.name == flag.subject.name && expectation.project == flag.subject.project
                && label.keys.contains { seqs[$0].map(evidence.contains) ?? false }
        }
        var rules: [String: (labels: Int, found: Int, flags: Int, truePositives: Int)] = [:]
        for rule in RuleCatalogue.subjectRules { rules[rule.id] = (0, 0, 0, 0) }
        for rule in RuleCatalogue.populationRules { rules[rule.id] = (0, 0, 0, 0) }
        var missed: [JSONValue] = []
        for label in labels {
            for expectation in label.expectations {
                let found = flags.contains { matches($0, label, expectation) }
                rules[expectation.rule, default: (0, 0, 0, 0)].labels += 1
                if found { rules[expectation.rule]!.found += 1 } else {
                    let subject = Subject(kind: Subject.Kind(rawValue: expectation.kind) ?? .project, name: expectation.name,
                                          project: expectation.project)
                    missed.append(["label": .string(label.id), "kind": .string(label.kind), "rule": .string(expectation.rule),
                                   "subject": .string(subject.key),
                                   "description": .string(label.description)])
                }
            }
        }
        var falsePositives: [JSONValue] = []
        for flag in flags {
            rules[flag.ruleId, default: (0, 0, 0, 0)].flags += 1
            if labels.contains(where: { label in label.expectations.contains { matches(flag, label, $0) } }) {
                rules[flag.ruleId]!.truePositives += 1
            } else {
                falsePositives.append(explain(flag, labels: labels, seqs: seqs, portfolio: portfolio))
            }
        }

        // Near misses: a flag of the decoy's rule whose evidence holds a decoy event is a false positive
        // already counted above; here it is named as the near miss it is.
        var decoysFlagged: [JSONValue] = []
        var decoyCounts: [String: (total: Int, flagged: Int)] = [:]
        for decoy in decoys {
            let decoySeqs = Set(decoy.keys.compactMap { seqs[$0] })
            let hit = flags.first { $0.ruleId == decoy.rule && $0.evidence.contains(where: decoySeqs.contains) }
            decoyCounts[decoy.rule, default: (0, 0)].total += 1
            if let hit {
                decoyCounts[decoy.rule]!.flagged += 1
                decoysFlagged.append(["decoy": .string(decoy.id), "kind": .string(decoy.kind), "rule": .string(decoy.rule),
                                      "flag": .string(hit.id), "description": .string(decoy.description)])
            }
        }

        var perRule = JSONObject()
        var allMeet = true
        for (id, counts) in rules.sorted(by: { $0.key < $1.key }) {
            let recall = counts.labels == 0 ? nil : Double(counts.found) / Double(counts.labels)
            let precision = counts.flags == 0 ? nil : Double(counts.truePositives) / Double(counts.flags)
            let meets = (recall ?? 0) >= 0.95 && (precision ?? 1) >= 0.9
            allMeet = allMeet && meets
            perRule[id] = [
                "labels": .integer(Int64(counts.labels)), "found": .integer(Int64(counts.found)),
                "flags": .integer(Int64(counts.flags)), "truePositives": .integer(Int64(counts.truePositives)),
                "recall": recall.map { .string(String(format: "%.3f", $0)) } ?? .null,
                "precision": precision.map { .string(String(format: "%.3f", $0)) } ?? .null,
                "nearMisses": .integer(Int64(decoyCounts[id]?.total ?? 0)),
                "nearMissesFlagged": .integer(Int64(decoyCounts[id]?.flagged ?? 0)),
                "meetsTarget": .bool(meets),
            ]
        }
        var report = JSONObject()
        report["benchmark"] = "detection"
        report["portfolio"] = .string(options.portfolio ?? "Tools/generate_portfolio.py --seed \(options.seed) --projects \(options.projects)")
        report["events"] = .integer(Int64(portfolio.lines.count))
        report["labels"] = .integer(Int64(labels.count))
        report["flags"] = .integer(Int64(flags.count))
        report["generateSeconds"] = .string(String(format: "%.2f", generateSeconds))
        report["appendSeconds"] = .string(String(format: "%.2f", appendSeconds))
        report["fullEvaluationSeconds"] = .string(String(format: "%.3f", evaluationSeconds))
        report["populationEvaluationSeconds"] = .string(String(format: "%.3f", populationSeconds))
        report["populationEvaluationSeq"] = evaluatedAt.map { .integer($0) } ?? .null
        report["targets"] = ["recall": "0.95", "precision": "0.9"]
        report["allRulesMeetTargets"] = .bool(allMeet)
        report["rules"] = .object(perRule)
        report["nearMisses"] = .integer(Int64(decoys.count))
        report["nearMissesFlagged"] = .array(decoysFlagged)
        report["falsePositives"] = .array(falsePositives)
        report["missed"] = .array(missed)
        print(JSONValue.object(report).canonicalString)
    }

    /// Why a flag matched no label: the project's injected kinds, and whether its evidence touches
    /// a labelled event (a side effect of an injected anomaly) or only background activity.
    static func explain(_ flag: Flag, labels: [Label], seqs: [String: Int64], portfolio: LedgerCLI.SyntheticPortfolio) -> JSONValue {
        // A population flag belongs to no project: every label is a candidate cause.
        let inProject = flag.subject.isPortfolioWide ? labels
            : labels.filter { label in label.expectations.contains { $0.project == flag.subject.project } }
        let labelled = Set(inProject.flatMap { $0.keys.compactMap { seqs[$0] } })
        let touching = inProject.filter { label in label.keys.contains { seqs[$0].map(flag.evidence.contains) ?? false } }
        let why: String
        if !touching.isEmpty {
            why = "side effect of injected " + touching.map { "\($0.kind) (\($0.id))" }.joined(separator: ", ")
                + " whose labels do not expect \(flag.ruleId) on this subject"
        } else if flag.evidence.contains(where: labelled.contains) {
            why = "evidence overlaps labelled events of this project"
        } else {
            why = "background activity only" + (inProject.isEmpty || flag.subject.isPortfolioWide ? ""
                : " (project also carries " + inProject.map(\.kind).joined(separator: ", ") + ")")
        }
        return [
            "flag": .string(flag.id), "rule": .string(flag.ruleId), "subject": .string(flag.subject.key),
            "evidence": .array(flag.evidence.map(JSONValue.integer)), "explanation": .string(flag.explanation), "why": .string(why),
        ]
    }

    static func readLabels(_ path: String) throws -> ([Label], [Decoy]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("cannot read \(path)") }
        guard case let .object(document) = try JSONValue.parse([UInt8](data)), let anomalies = document["anomalies"]?.arrayValue else {
            throw CommandError("\(path) has no anomalies array")
        }
        let decoys = try (document["decoys"]?.arrayValue ?? []).map { value -> Decoy in
            guard let d = value.objectValue, let id = d["id"]?.stringValue, let kind = d["kind"]?.stringValue,
                  let rule = d["rule"]?.stringValue, let keys = d["idempotencyKeys"]?.arrayValue else {
                throw CommandError("\(path): a decoy lacks id, kind, rule or idempotencyKeys")
            }
            return Decoy(id: id, kind: kind, rule: rule, keys: keys.compactMap(\.stringValue), description: d["description"]?.stringValue ?? "")
        }
        let labels = try anomalies.map { value in
            guard let label = value.objectValue, let id = label["id"]?.stringValue, let kind = label["kind"]?.stringValue,
                  let expect = label["expect"]?.arrayValue, let keys = label["idempotencyKeys"]?.arrayValue else {
                throw CommandError("\(path): a label lacks id, kind, expect or idempotencyKeys")
            }
            let expectations = try expect.map { item -> Expectation in
                guard let e = item.objectValue, let rule = e["rule"]?.stringValue, let subject = e["subject"]?.objectValue,
                      let kind = subject["kind"]?.stringValue, let name = subject["name"]?.stringValue,
                      let project = subject["project"]?.stringValue else {
                    throw CommandError("\(path): label \(id) has an expectation without rule and subject kind, name, project")
                }
                return Expectation(rule: rule, kind: kind, name: name, project: project)
            }
            return Label(id: id, kind: kind, expectations: expectations, keys: keys.compactMap(\.stringValue),
                         description: label["description"]?.stringValue ?? "")
        }
        return (labels, decoys)
    }

    /// Runs `python3 Tools/generate_portfolio.py`, found from the working directory or this source tree.
    static func generate(into folder: String, projects: Int, seed: Int) throws {
        let candidates = [FileManager.default.currentDirectoryPath + "/Tools/generate_portfolio.py",
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent("Tools/generate_portfolio.py").path]
        guard let script = candidates.first(where: FileManager.default.fileExists(atPath:)) else {
            throw CommandError("cannot find Tools/generate_portfolio.py (looked in \(candidates.joined(separator: ", "))); give --portfolio DIR")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--seed", String(seed), "--projects", String(projects), "--out", folder]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CommandError("\(script) failed with exit status \(process.terminationStatus)") }
    }
}
