import Crypto
import Foundation
import ODA
import SQLite
import Synchronization

/// Why a user could not be added, revoked or listed.
public struct UserDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The users of one ledger, kept in `DIR/users.sqlite` beside the ledger file, with the token
/// secret in `DIR/token-secret` (mode 0600).
///
/// A separate file, because users change (a revocation sets `revoked_at`) while the ledger's
/// events table is append-only and refuses UPDATE: keeping them apart means revocation never
/// needs an exception to that rule. Tokens are stored only as HMAC-SHA256 digests
/// (``BearerToken/digest(_:secret:)``) and compared in constant time.
///
/// Every token expires (``defaultValidityDays`` unless the admin says otherwise); an expired token
/// is told apart from an unknown one so the service can say what to do. `users.sqlite` is created
/// with mode 0600 and forced back to 0600 whenever it is opened: it names every user and role.
///
/// Thread-safe: the writing connection is used only under `lock`, each token-checking connection
/// only under its own lock, so the service shares one directory across its connection threads.
public final class UserDirectory: @unchecked Sendable {
    public static let fileName = "users.sqlite"
    public static let secretFileName = "token-secret"
    /// How long a token is valid when `user add` is not told otherwise.
    public static let defaultValidityDays = 90
    /// The longest validity a token may be given (ten years).
    public static let maximumValidityDays = 3650

    private let lock = NSLock()
    private let connection: Connection
    private let secret: [UInt8]
    private let clock: @Sendable () -> Date
    /// Where tokens are checked: several connections, so the connection threads of a busy server
    /// seldom wait for one another (one shared connection made its lock a queue). Each remembers
    /// the tokens it has already checked, so a request costs no HMAC and no lookup, and forgets
    /// them when the file has changed: `PRAGMA data_version` moves when any other connection
    /// commits, be it this directory's own writer (add, revoke, renew) or another process such as
    /// `oda-ledger user revoke`. Expiry is checked on every hit.
    ///
    /// Reading data_version costs a read transaction (file locks, i.e. system calls) and was a
    /// visible share of every request, so a connection asks at most once per
    /// ``tokenRecheckInterval`` and between two asks trusts what it remembers, unless this
    /// directory has itself written since (``writes``). What that guarantees:
    /// - A change made through this directory refuses the old token on the very next check.
    /// - A change made by another process is seen within ``tokenRecheckInterval`` of its commit;
    ///   ``revoke(name:recording:)`` and ``renew(name:validForDays:)`` return only once
    ///   ``defaultTokenRecheckInterval`` has passed after their commit, so when `oda-ledger user
    ///   revoke` returns, no server (with the default interval) accepts the token any more.
    private let tokenReaders: [TokenReader]
    private let nextTokenReader = Atomic<Int>(0)
    private let path: String
    private static let checkedLimit = 10_000
    private static let tokenReaderCount = 4
    /// The longest a token-checking connection trusts what it remembers without asking whether
    /// the file changed, unless told otherwise; what a revocation or renewal waits out.
    public static let defaultTokenRecheckInterval: Duration = .milliseconds(50)
    /// This directory's ``defaultTokenRecheckInterval`` (tests lengthen it to show what is remembered).
    public let tokenRecheckInterval: Duration
    private let recheckNanoseconds: UInt64
    /// Commits through this directory so far; moved after each commit, so a check that sees a
    /// new count looks at the file again (and sees the commit).
    private let writes = Atomic<Int>(0)

    /// One token-checking connection (opened on first use) and what it has checked since the
    /// file last changed. Used only under `lock`.
    private final class TokenReader {
        let lock = NSLock()
        var connection: Connection?
        var checked: [String: CheckedToken] = [:]
        var checkedAtVersion: Int64 = -1
        /// This directory's write count when data_version was last read.
        var checkedAtWrites = -1
        /// When data_version was last read (CLOCK_MONOTONIC nanoseconds).
        var versionReadAt: UInt64 = 0
    }

    private struct CheckedToken {
        let user: User
        let expiry: Date?
    }

    /// Opens (and on first use creates) the directory in `dataDirectory`; the token secret is
    /// created once, 32 random bytes hex-encoded, with `KeyFile.writeNew` (0600, never overwritten).
    /// `clock` says what time it is (tests move it forward to expire tokens).
    /// `tokenRecheckInterval` bounds how long a change by another process may go unseen (see
    /// ``tokenReaders``); at most ``defaultTokenRecheckInterval`` unless a test says otherwise.
    public init(dataDirectory: String, clock: @escaping @Sendable () -> Date = { Date() },
                tokenRecheckInterval: Duration = defaultTokenRecheckInterval) throws {
        self.clock = clock
        self.tokenRecheckInterval = tokenRecheckInterval
        recheckNanoseconds = Self.nanoseconds(tokenRecheckInterval)
        let secretPath = dataDirectory + "/" + Self.secretFileName
        if !FileManager.default.fileExists(atPath: secretPath) {
            try KeyFile.writeNew(Hex.encode(try SecureRandom.bytes(32)) + "\n", to: secretPath)
        }
        let text = try KeyFile.readSecret(at: secretPath).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let secret = Hex.decode(text), secret.count >= 32 else {
            throw UserDirectoryError("\(secretPath) does not hold a hex-encoded secret of at least 32 bytes")
        }
        self.secret = secret
        let path = dataDirectory + "/" + Self.fileName
        self.path = path
        tokenReaders = (0 ..< Self.tokenReaderCount).map { _ in TokenReader() }
        try Self.createPrivately(path)
        connection = try Connection(path: path, mode: .readWriteCreate)
        connection.setBusyTimeout(milliseconds: 5_000)
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS users(
                name TEXT PRIMARY KEY NOT NULL,
                role TEXT NOT NULL,
                province TEXT,
                token_hash BLOB NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                revoked_at TEXT,
                expires_at TEXT
            ) STRICT
            """)
        // WAL: a token check then starts its read transaction from shared memory, without the
        // journal probe and page-1 read a rollback journal needs, and never waits for a writer.
        // SQLite gives the -wal and -shm files the database's mode (0600).
        _ = try connection.scalarText("PRAGMA journal_mode = WAL")
        // Directories made before tokens expired lack the column; their users keep no expiry
        // until renewed (`oda-ledger user renew`).
        if try connection.scalarInt64("SELECT count(*) FROM pragma_table_info('users') WHERE name = 'expires_at'") == 0 {
            try connection.execute("ALTER TABLE users ADD COLUMN expires_at TEXT")
        }
    }

    /// Creates `path` with mode 0600 when missing (before SQLite does, with the umask's mode), and
    /// forces an existing file back to 0600. SQLite gives its journal the database's mode.
    static func createPrivately(_ path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw UserDirectoryError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw UserDirectoryError("cannot stat \(path): \(String(cString: strerror(errno)))") }
        if status.st_mode & 0o7777 != 0o600, fchmod(descriptor, 0o600) != 0 {
            throw UserDirectoryError("\(path) has mode \(String(status.st_mode & 0o7777, radix: 8)) and cannot be set to 0600: \(String(cString: strerror(errno))); it lists every user, so fix its owner or mode")
        }
    }

    /// The validity asked for, checked: 1 to ``maximumValidityDays`` days.
    public static func checkValidity(days: Int) throws {
        guard (1 ... maximumValidityDays).contains(days) else {
            throw UserDirectoryError("a token is valid for 1 to \(maximumValidityDays) days; \(days) is outside that")
        }
    }

    /// Adds a user and returns their token: the only time it exists in clear.
    ///
    /// `recording` runs inside the transaction that inserts the row (e.g. to append a
    /// `UserRoleGranted` event to the ledger); if it throws, the user is not added. Its effect is
    /// durable before the row commits, so a crash between the two can leave the event without the
    /// user, never a user without the event.
    public func add(name: String, role: Role, province: Province?, validForDays: Int = defaultValidityDays,
                    recording: () throws -> Void = {}) throws -> String {
        try Self.checkValidity(days: validForDays)
        guard User.isValidName(name) else {
            throw UserDirectoryError("user name \(name) must be 1–64 characters a–z, 0–9, '.', '_' or '-', starting with a letter or digit")
        }
        let token = try BearerToken.generate()
        let digest = try BearerToken.digest(token, secret: secret)
        try inTransaction { connection in
            let existing = try connection.prepare("SELECT 1 FROM users WHERE name = ?")
            try existing.bind([.text(name)])
            if try existing.step() { throw UserDirectoryError("user \(name) already exists; revoke it and add the person under a new name") }
            let now = clock()
            let insert = try connection.prepare(
                "INSERT INTO users(name, role, province, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
            try insert.bind([.text(name), .text(role.rawValue), province.map { .text($0.code) } ?? .null,
                             .blob(digest), .text(Self.text(now)), .text(Self.text(now.addingTimeInterval(Double(validForDays) * 86_400)))])
            _ = try insert.step()
            try recording()
        }
        return token
    }

    /// Revokes `name`'s token from now on; the row stays, so `list` shows who had access when.
    /// `recording` receives the revoked user and runs inside the transaction, as for ``add(name:role:province:recording:)``.
    public func revoke(name: String, recording: (User) throws -> Void = { _ in }) throws {
        try inTransaction { connection in
            let select = try connection.prepare(
                "SELECT name, role, province, created_at, revoked_at, expires_at FROM users WHERE name = ? AND revoked_at IS NULL")
            try select.bind([.text(name)])
            guard try select.step() else { throw UserDirectoryError("no active user \(name) (see `oda-ledger user list`)") }
            let user = try Self.user(select)
            let update = try connection.prepare("UPDATE users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL")
            try update.bind([.text(Self.text(clock())), .text(name)])
            _ = try update.step()
            try recording(user)
        }
        Self.waitForServersToNotice()
    }

    /// Gives active user `name` a new token valid for `validForDays` from now; the old token stops
    /// authenticating at once. For a token that expired or was lost; the user keeps name and role.
    public func renew(name: String, validForDays: Int = defaultValidityDays) throws -> (token: String, user: User) {
        try Self.checkValidity(days: validForDays)
        let token = try BearerToken.generate()
        let digest = try BearerToken.digest(token, secret: secret)
        var renewed: User?
        try inTransaction { connection in
            let now = clock()
            let update = try connection.prepare(
                "UPDATE users SET token_hash = ?, expires_at = ? WHERE name = ? AND revoked_at IS NULL")
            try update.bind([.blob(digest), .text(Self.text(now.addingTimeInterval(Double(validForDays) * 86_400))), .text(name)])
            _ = try update.step()
            guard connection.changes == 1 else {
                throw UserDirectoryError("no active user \(name) (see `oda-ledger user list`); a revoked user is not renewed: add the person under a new name")
            }
            let select = try connection.prepare("SELECT name, role, province, created_at, revoked_at, expires_at FROM users WHERE name = ?")
            try select.bind([.text(name)])
            _ = try select.step()
            renewed = try Self.user(select)
        }
        guard let renewed else { throw UserDirectoryError("user \(name) vanished while being renewed") }
        Self.waitForServersToNotice()
        return (token, renewed)
    }

    /// Every user, revoked ones included, by name.
    public func list() throws -> [User] {
        try withConnection { connection in
            let select = try connection.prepare("SELECT name, role, province, created_at, revoked_at, expires_at FROM users ORDER BY name")
            var users: [User] = []
            while try select.step() { users.append(try Self.user(select)) }
            return users
        }
    }

    /// What a presented token proves.
    public enum Authentication: Sendable, Equatable {
        /// An active user's token, within its validity.
        case valid(User)
        /// The token of a user whose token expired at `User.expiresAt`: the service says so, so
        /// the person asks for a renewal rather than suspecting a typo.
        case expired(User)
        /// Malformed, unknown, replaced by a renewal, or revoked.
        case invalid
    }

    /// Checks `token`: its HMAC is looked up (and compared in constant time), then revocation and
    /// expiry. A token seen before, with the file unchanged since (as far as the bound described
    /// at ``tokenReaders`` requires knowing), is answered from memory; expiry is judged every time.
    public func authentication(token: String) -> Authentication {
        guard BearerToken.isWellFormed(token) else { return .invalid }
        let now = clock()
        let reader = tokenReaders[nextTokenReader.wrappingAdd(1, ordering: .relaxed).oldValue % tokenReaders.count]
        reader.lock.lock()
        defer { reader.lock.unlock() }
        do {
            let connection: Connection
            if let open = reader.connection {
                connection = open
            } else {
                // Read-write, though it only reads: a connection that may write can roll back a
                // journal left by a crashed writer instead of failing.
                connection = try Connection(path: path, mode: .readWrite)
                connection.setBusyTimeout(milliseconds: 5_000)
                reader.connection = connection
            }
            // Loaded before data_version is read: a write through this directory that commits
            // after this load moves the count, so the next check reads the version again.
            let writeCount = writes.load(ordering: .acquiring)
            let monotonic = Self.monotonicNanoseconds()
            if writeCount != reader.checkedAtWrites || monotonic &- reader.versionReadAt >= recheckNanoseconds {
                let statement = try connection.cached("PRAGMA data_version")
                let version = try statement.step() ? statement.int64(at: 0) : -1
                statement.reset()
                if version != reader.checkedAtVersion || writeCount != reader.checkedAtWrites {
                    reader.checked.removeAll()
                    reader.checkedAtVersion = version
                    reader.checkedAtWrites = writeCount
                }
                reader.versionReadAt = monotonic
            }
            if let entry = reader.checked[token] { return Self.judge(entry, now: now) }
            // Looked up after the version was last read: anything committed since moves the
            // version, so an entry remembered from this lookup is dropped at the next read of it.
            let digest = try BearerToken.digest(token, secret: secret)
            let select = try connection.cached(
                "SELECT name, role, province, created_at, revoked_at, expires_at, token_hash FROM users WHERE token_hash = ?1")
            try select.bind([.blob(digest)])
            defer { select.reset() }
            guard try select.step(), ConstantTime.equals(select.blob(at: 6), digest) else { return .invalid }
            let user = try Self.user(select)
            guard user.revokedAt == nil else { return .invalid }
            let entry = CheckedToken(user: user, expiry: user.expiresAt.flatMap(Self.date))
            if reader.checked.count >= Self.checkedLimit { reader.checked.removeAll() }
            reader.checked[token] = entry
            return Self.judge(entry, now: now)
        } catch {
            return .invalid
        }
    }

    private static func judge(_ entry: CheckedToken, now: Date) -> Authentication {
        if let expiry = entry.expiry, expiry <= now { return .expired(entry.user) }
        if entry.user.expiresAt != nil, entry.expiry == nil { return .expired(entry.user) }  // unreadable expiry: fail closed
        return .valid(entry.user)
    }

    /// The active user holding `token`, or nil for a malformed, unknown, revoked or expired token.
    public func authenticate(token: String) -> User? {
        if case let .valid(user) = authentication(token: token) { return user }
        return nil
    }

    /// Runs `body` in an immediate write transaction: committed if it returns, rolled back if it throws.
    private func inTransaction(_ body: (Connection) throws -> Void) throws {
        try withConnection { connection in
            // The token readers are other connections: this commit moves their data_version,
            // and the write count (moved after the commit) makes them read it on their next check.
            defer { writes.add(1, ordering: .releasing) }
            do throws(TransactionError<any Error>) {
                try connection.transaction(.immediate) { () throws(any Error) in try body(connection) }
            } catch {
                switch error {
                case let .body(failure): throw failure
                case let .database(failure): throw failure
                }
            }
        }
    }

    /// Sleeps out ``defaultTokenRecheckInterval`` (and a little more) after a revocation or
    /// renewal has committed: by then every server process using the default interval has
    /// looked at the file again, so the old token is refused everywhere once the call returns.
    private static func waitForServersToNotice() {
        let nanoseconds = Self.nanoseconds(defaultTokenRecheckInterval) + 5_000_000
        let end = monotonicNanoseconds() &+ nanoseconds
        while case let now = monotonicNanoseconds(), now < end {
            usleep(UInt32(min((end - now) / 1_000 + 1, 1_000_000)))
        }
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(clamping: seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    private func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(connection)
    }

    private static func user(_ row: Statement) throws -> User {
        let roleText = row.text(at: 1)
        guard let role = Role(rawValue: roleText) else { throw UserDirectoryError("users.sqlite holds an unknown role \(roleText)") }
        let province = try row.optionalText(at: 2).map { code throws -> Province in
            guard let province = Province(rawValue: code) else { throw UserDirectoryError("users.sqlite holds an unknown province \(code)") }
            return province
        }
        return User(name: row.text(at: 0), role: role, province: province, createdAt: row.text(at: 3), revokedAt: row.optionalText(at: 4),
                    expiresAt: row.optionalText(at: 5))
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// RFC 3339 in UTC to the second (`2026-11-29T05:40:00Z`): fixed width, so text order is time order.
    static func text(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
