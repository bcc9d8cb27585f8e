import EventLog

/// What an import did: how many events it appended, how many of the file's records were already in
/// the ledger (a re-import appends nothing), and what it deliberately left out.
public struct ImportResult: Sendable {
    public let fileSha256: String
    public let outcomes: [AppendOutcome]
    public let alreadyRecorded: Int
    /// Records the file holds but the catalogue has no event for (e.g. IATI transaction type 5),
    /// each located like a problem; they do not stop the import.
    public let skipped: [ImportProblem]

    public var appended: Int { outcomes.filter { !$0.wasAlreadyRecorded }.count }
}
