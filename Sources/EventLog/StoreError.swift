import SQLite

/// Why the ledger file could not be created, opened, read or written. Messages say what to do.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case alreadyExists(path: String)
    case notFound(path: String)
    case notALedger(path: String, reason: String)
    case unsupportedSchema(path: String, found: Int64, supported: Int64)
    case readOnly(path: String)
    case diskFull(path: String)
    case busy(path: String)
    /// A stored row whose bytes do not decode: the file was changed outside the ledger.
    case corruptEvent(seq: Int64, reason: String)
    case database(SQLiteError)

    init(_ error: SQLiteError, path: String) {
        if error.isDiskFull {
            self = .diskFull(path: path)
        } else if error.isReadOnly {
            self = .readOnly(path: path)
        } else if error.isBusy {
            self = .busy(path: path)
        } else if error.code == 26 /* SQLITE_NOTADB */ {
            self = .notALedger(path: path, reason: "the file is not an SQLite database")
        } else {
            self = .database(error)
        }
    }

    /// Any failure met while working on the file at `path`, as a `StoreError`: store errors pass
    /// through, SQLite's are classified (full disk, read-only, busy …), anything else is wrapped.
    static func wrapping(_ error: any Error, path: String) -> StoreError {
        switch error {
        case let error as StoreError: return error
        case let error as SQLiteError: return StoreError(error, path: path)
        default: return .database(SQLiteError(code: 1, message: "\(error)"))
        }
    }

    public var description: String {
        switch self {
        case let .alreadyExists(path):
            return "a ledger already exists at \(path); refusing to overwrite it"
        case let .notFound(path):
            return "no ledger at \(path); create one with `oda-ledger init`"
        case let .notALedger(path, reason):
            return "\(path) is not an ODA ledger: \(reason)"
        case let .unsupportedSchema(path, found, supported):
            return "\(path) has schema version \(found), but this build reads version \(supported); use a matching oda-ledger"
        case let .readOnly(path):
            return "the ledger at \(path) is read-only (file or directory permissions, or opened for reading); nothing was written"
        case let .diskFull(path):
            return "the disk holding \(path) is full (or the ledger's size limit is reached); nothing was written and the ledger is unchanged"
        case let .busy(path):
            return "another process held the ledger at \(path) locked for too long; nothing was written, try again"
        case let .corruptEvent(seq, reason):
            return "the stored event at seq \(seq) cannot be read (\(reason)); run `oda-ledger verify`"
        case let .database(error):
            return "SQLite error: \(error)"
        }
    }
}
