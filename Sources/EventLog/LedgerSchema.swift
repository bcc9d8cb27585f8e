import SQLite

/// The SQLite schema of a ledger file, versioned with `PRAGMA user_version`.
///
/// The `events` table holds each event's canonical bytes (`body`) verbatim; every other column
/// only indexes them, and `verify` checks that they agree. Triggers refuse UPDATE and DELETE, so
/// append-only holds for every client of the file, not only for this program; someone who
/// drops the triggers is caught by verification instead.
enum LedgerSchema {
    /// The schema version this build reads and writes.
    static let version: Int64 = 1
    /// The name of the format, written into `ledger_meta` and documented in `Schemas/ledger-format.md`.
    static let format = "oda-ledger/1"

    static let statements = """
        CREATE TABLE ledger_meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT;
        CREATE TABLE streams (
            id   INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        ) STRICT;
        CREATE TABLE events (
            seq             INTEGER PRIMARY KEY,
            stream_id       INTEGER NOT NULL,
            stream_version  INTEGER NOT NULL,
            type            TEXT NOT NULL,
            recorded_at     TEXT NOT NULL,
            idempotency_key TEXT,
            hash            BLOB NOT NULL,
            body            BLOB NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX events_by_stream ON events (stream_id, stream_version);
        CREATE INDEX events_by_type ON events (type);
        CREATE UNIQUE INDEX events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE TABLE merkle_nodes (
            level INTEGER NOT NULL,
            idx   INTEGER NOT NULL,
            hash  BLOB NOT NULL,
            PRIMARY KEY (level, idx)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE checkpoints (
            size        INTEGER PRIMARY KEY,
            root        BLOB NOT NULL,
            note        TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE cosignatures (
            size        INTEGER NOT NULL REFERENCES checkpoints (size),
            cosigner    TEXT NOT NULL,
            line        TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (size, cosigner)
        ) STRICT;
        \(appendOnly("events")) \(appendOnly("streams")) \(appendOnly("ledger_meta"))
        \(appendOnly("merkle_nodes")) \(appendOnly("checkpoints")) \(appendOnly("cosignatures"))
        """

    private static func appendOnly(_ table: String) -> String {
        """
        CREATE TRIGGER \(table)_are_append_only_update BEFORE UPDATE ON \(table)
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: rows of \(table) cannot be updated'); END;
        CREATE TRIGGER \(table)_are_append_only_delete BEFORE DELETE ON \(table)
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: rows of \(table) cannot be deleted'); END;
        """
    }
}
