import CSQLite

/// A failure reported by SQLite, carrying its result code, extended code and message so an
/// operator can tell a full disk from a read-only file from a constraint violation.
public struct SQLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The primary result code (`SQLITE_FULL`, `SQLITE_READONLY`, `SQLITE_CONSTRAINT` …).
    public let code: Int32
    /// The extended result code (e.g. `SQLITE_CONSTRAINT_TRIGGER`).
    public let extendedCode: Int32
    /// SQLite's own message for this failure.
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?

    public init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.code = code & 0xff
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    public var isDiskFull: Bool { code == SQLITE_FULL }
    public var isReadOnly: Bool { code == SQLITE_READONLY || code == SQLITE_CANTOPEN && message.contains("read") }
    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }

    /// The name of the primary code as SQLite documents it, e.g. "SQLITE_FULL".
    public var codeName: String {
        switch code {
        case SQLITE_ERROR: return "SQLITE_ERROR"
        case SQLITE_PERM: return "SQLITE_PERM"
        case SQLITE_ABORT: return "SQLITE_ABORT"
        case SQLITE_BUSY: return "SQLITE_BUSY"
        case SQLITE_LOCKED: return "SQLITE_LOCKED"
        case SQLITE_NOMEM: return "SQLITE_NOMEM"
        case SQLITE_READONLY: return "SQLITE_READONLY"
        case SQLITE_INTERRUPT: return "SQLITE_INTERRUPT"
        case SQLITE_IOERR: return "SQLITE_IOERR"
        case SQLITE_CORRUPT: return "SQLITE_CORRUPT"
        case SQLITE_FULL: return "SQLITE_FULL"
        case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN"
        case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT"
        case SQLITE_MISMATCH: return "SQLITE_MISMATCH"
        case SQLITE_MISUSE: return "SQLITE_MISUSE"
        case SQLITE_NOTADB: return "SQLITE_NOTADB"
        default: return "SQLite result code \(code)"
        }
    }

    public var description: String {
        "\(message) (\(codeName), extended code \(extendedCode))"
    }
}
