import EventLog
import Inspection
import ODA
import Transparency

extension CommandContext {
    /// Opens the ledger for appending, with the automatic checkpoints `DIR/ledger.conf` asks for
    /// (`checkpoint.every_events`, `checkpoint.every_minutes`; by default every 10,000 events or
    /// 60 minutes). The checkpoint is signed inside the append's own transaction, so it never
    /// lags behind or gets lost when the process ends.
    ///
    /// The ODA projection (`ProjectStateProjector`) is registered, so every append updates it in
    /// its own transaction (and first catches it up with anything appended without it), and so
    /// are the inspection projections (`FlagProjector`, `CaseProjector`, `PopulationFlagProjector`),
    /// so subject rules judge each append, case statuses follow case events, and a recorded
    /// population evaluation replaces the portfolio-wide flags.
    ///
    /// When automatic checkpoints are on, the signing key must be readable (mode 0600): an
    /// append that cannot sign fails rather than silently leaving the ledger unsigned.
    func openStoreForAppending(_ arguments: ParsedArguments) throws -> EventStore {
        let directory = dataDirectory(arguments)
        let store = try openStore(arguments, access: .readWrite)
        try store.register(ProjectStateProjector())
        try store.register(FlagProjector())
        try store.register(CaseProjector())
        try store.register(PopulationFlagProjector())
        let config = try LedgerConfig.load(directory)
        guard config.signsCheckpointsAutomatically else { return store }
        let signer: NoteSignerKey
        do {
            signer = try LedgerKeys.signer(directory, origin: try store.origin())
        } catch {
            throw CommandFailure("\(error); nothing was appended. Automatic checkpoints need the key: fix it, or set "
                + "checkpoint.every_events = 0 and checkpoint.every_minutes = 0 in \(directory.path)/\(LedgerConfig.fileName) "
                + "to append without them")
        }
        try store.setCheckpointPolicy(CheckpointPolicy(
            signer: signer, everyEvents: config.checkpointEveryEvents,
            everySeconds: config.checkpointEveryMinutes.map { $0 * 60 }))
        return store
    }
}
