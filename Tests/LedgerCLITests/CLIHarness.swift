import Foundation
import LedgerCLI
import XCTest

/// Runs `oda-ledger` in-process with captured output, or as a real child process.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

final class CLIHarness {
    let directory: URL
    var data: String { directory.appendingPathComponent("data").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// In-process: fast, and exercises exactly the code the binary runs.
    func run(_ arguments: [String], stdin: String = "", environment: [String: String] = [:]) -> CLIResult {
        var out: [UInt8] = []
        var err: [UInt8] = []
        let console = Console(writeOut: { out += $0 }, writeErr: { err += $0 }, readInput: { Array(stdin.utf8) })
        let status = LedgerTool.run(arguments: arguments, console: console, environment: environment)
        return CLIResult(status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The built `oda-ledger` executable, beside the test bundle.
    static var executable: URL {
        let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent()
            ?? Bundle.main.bundleURL
        return products.appendingPathComponent("oda-ledger")
    }

    /// Starts the real executable (or, with `direct`, the program named first); the caller waits or kills it.
    static func launch(_ arguments: [String], stdinFile: String? = nil, direct: Bool = false) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = direct ? URL(fileURLWithPath: arguments[0]) : executable
        process.arguments = direct ? Array(arguments.dropFirst()) : arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let stdinFile { process.standardInput = FileHandle(forReadingAtPath: stdinFile) }
        try process.run()
        return (process, out, err)
    }

    static func runProcess(_ arguments: [String], stdinFile: String? = nil, direct: Bool = false) throws -> CLIResult {
        let (process, out, err) = try launch(arguments, stdinFile: stdinFile, direct: direct)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Valid ODA events (appends are validated): event `n` proposes its project when no earlier `n`
/// maps to the same stream, and records a disbursement on it otherwise.
func eventLines(_ count: Int, stream: (Int) -> String = { "project:LA-\($0 % 5)" }, offset: Int = 0,
                amount: (Int) -> String = { "\(1000 + $0).00" }) -> String {
    (0..<count).map { i in
        let n = i + offset
        let name = stream(n)
        let isFirst = !(0..<n).contains { stream($0) == name }
        return eventLine(n, stream: name, proposesProject: isFirst, amount: amount(n))
    }.joined(separator: "\n") + "\n"
}

func eventLine(_ n: Int, stream: String, proposesProject: Bool, amount: String) -> String {
    if proposesProject {
        let id = stream.dropFirst("project:".count)
        return #"{"stream":"\#(stream)","type":"ProjectProposed","payload":{"projectId":"\#(id)","title":"Project \#(id)","developmentPartner":"XM-DAC-41114","implementingAgency":"LA-MPWT","plannedStartDate":"2024-01-01","plannedEndDate":"2026-12-31","estimatedCost":{"amount":"\#(amount)","currency":"LAK"},"sectorWorkingGroup":"infrastructure"}}"#
    }
    return #"{"stream":"\#(stream)","type":"DisbursementRecorded","payload":{"transactionId":"D-\#(n)","date":"2024-06-01","amount":{"amount":"\#(amount)","currency":"LAK"},"provider":"XM-DAC-41114","reference":"D-\#(n)"}}"#
}
