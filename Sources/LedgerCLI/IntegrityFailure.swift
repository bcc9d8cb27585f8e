/// A finding about the ledger or a checkpoint, not a mistake in how a command was called:
/// the command reports it and exits with code 1, as `verify` does for its findings.
struct IntegrityFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
    init(_ message: String) { self.message = message }
}

extension LedgerCommand {
    /// Runs `body`; an `IntegrityFailure` becomes exit code 1 with its message on standard error.
    static func reportingIntegrity(_ context: CommandContext, _ body: () throws -> ExitCode) throws -> ExitCode {
        do {
            return try body()
        } catch let failure as IntegrityFailure {
            context.console.error("oda-ledger \(spec.name): \(failure.message)")
            return .integrityFinding
        }
    }
}
