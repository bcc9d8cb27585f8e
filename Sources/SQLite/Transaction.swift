/// How a transaction takes its locks.
public enum TransactionKind: String, Sendable {
    /// Takes no lock until the first statement: for reads that want one consistent snapshot.
    case deferred = "DEFERRED"
    /// Takes the write lock at once, so a writer never discovers halfway through that another
    /// process holds it: the append path uses this, reading seq and prev under the lock.
    case immediate = "IMMEDIATE"
}

extension Connection {
    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws. Nothing
    /// the body wrote survives a throw, so a batch is all or nothing.
    public func transaction<Result, Failure: Error>(
        _ kind: TransactionKind = .deferred,
        _ body: () throws(Failure) -> Result
    ) throws(TransactionError<Failure>) -> Result {
        do {
            try execute("BEGIN \(kind.rawValue)")
        } catch {
            throw .database(error)
        }
        let result: Result
        do {
            result = try body()
        } catch {
            rollbackQuietly()
            throw .body(error)
        }
        do {
            try execute("COMMIT")
        } catch {
            // A failed COMMIT (disk full, I/O error) may leave the transaction open; make sure it ends.
            rollbackQuietly()
            throw .database(error)
        }
        return result
    }

    private func rollbackQuietly() {
        if isInTransaction {
            try? execute("ROLLBACK")
        }
    }
}

/// Why a transaction did not commit: either the body threw, or SQLite refused to begin or commit.
public enum TransactionError<Failure: Error>: Error {
    case body(Failure)
    case database(SQLiteError)
}
