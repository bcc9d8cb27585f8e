import Foundation

/// Settings of one ledger, read from `DIR/ledger.conf`.
///
/// The file is UTF-8 text with one `key = value` per line (spaces around `=` are optional).
/// Blank lines and lines whose first non-space character is `#` are ignored. Values are whole
/// decimal numbers, or `true`/`false` for switches. An unknown or repeated key is an error, so a
/// typo never silently leaves a default in force. Without the file every setting has its default.
///
/// ```
/// # Sign a checkpoint automatically, inside the append that reaches either limit.
/// checkpoint.every_events = 10000   # events since the last checkpoint; 0: never by count
/// checkpoint.every_minutes = 60     # minutes since the last checkpoint, checked on each append; 0: never by time
/// # Small offices only: let the proposer of a project record its approval (recorded, and flagged later).
/// approval.allow_self = false
/// # While `serve` runs, re-evaluate the population rules (peers, concentration, Benford) this often.
/// inspection.population_every_minutes = 60   # 0: only on demand (`oda-ledger flags --evaluate`)
/// ```
struct LedgerConfig: Equatable {
    static let fileName = "ledger.conf"

    /// Sign after this many events since the last checkpoint; nil: never by count.
    var checkpointEveryEvents: Int64? = 10_000
    /// Sign when the last checkpoint is this many minutes old and events came since; nil: never by time.
    var checkpointEveryMinutes: Int64? = 60
    /// Whether the proposer of a project may also record its approval (see `ValidationPolicy`).
    var allowsSelfApproval = false
    /// How often `serve` re-evaluates the population rules; nil: only on demand.
    var populationEveryMinutes: Int64? = 60

    /// Whether appends sign checkpoints by themselves (and so need the signing key).
    var signsCheckpointsAutomatically: Bool { checkpointEveryEvents != nil || checkpointEveryMinutes != nil }

    private struct Setting: Sendable {
        let key: String
        /// The allowed numbers; nil for a `true`/`false` switch.
        let range: ClosedRange<Int64>?
        let help: String
        let apply: @Sendable (inout LedgerConfig, Int64?) -> Void
    }

    private static let settings = [
        Setting(key: "checkpoint.every_events", range: 0...1_000_000_000, help: "events between automatic checkpoints, 0 for never") {
            $0.checkpointEveryEvents = $1
        },
        Setting(key: "checkpoint.every_minutes", range: 0...5_256_000, help: "minutes between automatic checkpoints, 0 for never") {
            $0.checkpointEveryMinutes = $1
        },
        Setting(key: "inspection.population_every_minutes", range: 0...5_256_000,
                help: "minutes between population rule evaluations while serve runs, 0 for only on demand") {
            $0.populationEveryMinutes = $1
        },
        Setting(key: "approval.allow_self", range: nil, help: "whether a project's proposer may record its approval") {
            $0.allowsSelfApproval = $1 != nil
        },
    ]

    /// The settings of the ledger in `directory`: its `ledger.conf`, or the defaults without one.
    static func load(_ directory: DataDirectory) throws -> LedgerConfig {
        let path = directory.path + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return LedgerConfig() }
        do {
            return try parse(try TextFile.read(path, what: "configuration"))
        } catch let error as LedgerConfigError {
            throw CommandFailure("\(path) \(error)")
        }
    }

    static func parse(_ text: String) throws(LedgerConfigError) -> LedgerConfig {
        var config = LedgerConfig()
        var seen: [String: Int] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw LedgerConfigError(line: number, message: "expected `key = value`, found \(line)")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard let setting = settings.first(where: { $0.key == key }) else {
                let known = settings.map(\.key).joined(separator: ", ")
                throw LedgerConfigError(line: number, message: "unknown setting \(key.isEmpty ? "(empty)" : key); known settings: \(known)")
            }
            if let earlier = seen[key] {
                throw LedgerConfigError(line: number, message: "\(key) is already set on line \(earlier)")
            }
            seen[key] = number
            guard let range = setting.range else {
                guard value == "true" || value == "false" else {
                    throw LedgerConfigError(line: number, message: "\(key) must be true or false (\(setting.help)), not \(value.isEmpty ? "nothing" : value)")
                }
                setting.apply(&config, value == "true" ? 1 : nil)
                continue
            }
            guard value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let number64 = Int64(value),
                  range.contains(number64) else {
                throw LedgerConfigError(
                    line: number,
                    message: "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound) (\(setting.help)), not \(value.isEmpty ? "nothing" : value)")
            }
            setting.apply(&config, number64 == 0 ? nil : number64)
        }
        return config
    }
}

/// A line of `ledger.conf` that cannot be used; the message says what is expected.
struct LedgerConfigError: Error, Equatable, CustomStringConvertible {
    let line: Int
    let message: String
    var description: String { "line \(line): \(message)" }
}
