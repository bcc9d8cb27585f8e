import Foundation

/// The bundled sample the demo records: `Tests/Fixtures` of the source tree (`lao/` real records,
/// `sample/` the quickstart's events, `synthetic/` the generated portfolio).
///
/// Found without configuration whether `oda-ledger` runs from the repository root, from anywhere
/// else through `swift run` or the built binary (`.build/release/oda-ledger`), or from a custom
/// `--scratch-path`: the candidates are, in order, `--fixtures DIR`, `$ODA_LEDGER_FIXTURES`,
/// `./Tests/Fixtures`, the folders above the executable, and the source tree this file was
/// compiled from. The first that holds every file the demo needs wins.
struct DemoFixtures {
    static let environmentVariable = "ODA_LEDGER_FIXTURES"
    /// Relative to the fixtures folder: every file the demo reads.
    static let requiredFiles = [
        "synthetic/portfolio.jsonl", "lao/undp_lao_iati_2.02_excerpt.xml", "lao/adb_lao_projects_summary_derived.csv",
        "sample/1-proposals.jsonl", "sample/2-approvals.jsonl", "sample/3-transactions.jsonl",
    ]

    let path: String
    var synthetic: String { path + "/synthetic/portfolio.jsonl" }
    var undp: String { path + "/lao/undp_lao_iati_2.02_excerpt.xml" }
    var adb: String { path + "/lao/adb_lao_projects_summary_derived.csv" }
    var samples: [String] { ["1-proposals", "2-approvals", "3-transactions"].map { path + "/sample/\($0).jsonl" } }

    static func candidates(option: String?, environment: [String: String], executable: String = CommandLine.arguments[0],
                           sourceFile: String = #filePath) -> [String] {
        var list: [String] = []
        if let option { return [option] }
        if let value = environment[environmentVariable], !value.isEmpty { list.append(value) }
        list.append(FileManager.default.currentDirectoryPath + "/Tests/Fixtures")
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            list.append(folder.appendingPathComponent("Tests/Fixtures").path)
            folder = folder.deletingLastPathComponent()
        }
        // Sources/LedgerCLI/DemoFixtures.swift -> the repository root.
        let root = URL(fileURLWithPath: sourceFile).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        list.append(root.appendingPathComponent("Tests/Fixtures").path)
        return list
    }

    /// The first candidate holding every required file; otherwise a failure listing where it looked.
    static func locate(option: String?, environment: [String: String]) throws -> DemoFixtures {
        let places = candidates(option: option, environment: environment)
        for place in places where requiredFiles.allSatisfy({ FileManager.default.isReadableFile(atPath: place + "/" + $0) }) {
            return DemoFixtures(path: place)
        }
        throw CommandFailure("cannot find the bundled sample (Tests/Fixtures with \(requiredFiles.joined(separator: ", "))); looked in "
            + places.joined(separator: ", ") + ". Run from the repository, or give --fixtures DIR or $\(environmentVariable)")
    }
}
