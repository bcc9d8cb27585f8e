import Foundation
import LedgerCLI

// A closed pipe (`oda-ledger log | head`) must end the write quietly, not kill the process.
signal(SIGPIPE, SIG_IGN)
let status = LedgerTool.run(
    arguments: Array(CommandLine.arguments.dropFirst()), console: .standard(),
    environment: ProcessInfo.processInfo.environment)
exit(status)
