import Crypto
import Foundation
import ODA
import SQLite

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
/// Thread-safe: the one connection is used only under `lock`, so the service shares one directory
/// across its connection threads.
public final class UserDirectory: @unchecked Sendable {
    public static let fileName = "users.sqlite"
    public static let secretFileName = "token-secret"

    private let lock = NSLock()
    private let connection: Connection
    private let secret: [UInt8]

    /// Opens (and on first use creates) the directory in `dataDirectory`; the token secret is
    /// created once, 32 random bytes hex-encoded, with `KeyFile.writeNew` (0600, never overwritten).
    public init(dataDirectory: String) throws {
        let secretPath = dataDirectory + "/" + Self.secretFileName
        if !FileManager.default.fileExists(atPath: secretPath) {
            try KeyFile.writeNew(Hex.encode(try SecureRandom.bytes(32)) + "\n", to: secretPath)
        }
        let text = try KeyFile.readSecret(at: secretPath).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let secret = Hex.decode(text), secret.count >= 32 else {
            throw UserDirectoryError("\(secretPath) does not hold a hex-encoded secret of at least 32 bytes")
        }
        self.secret = secret
        connection = try Connection(path: dataDirectory + "/" + Self.fileName, mode: .readWriteCreate)
        connection.setBusyTimeout(milliseconds: 5_000)
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS users(
                name TEXT PRIMARY KEY NOT NULL,
                role TEXT NOT NULL,
                province TEXT,
                token_hash BLOB NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                revoked_at TEXT
            ) STRICT
            """)
    }

    /// Adds a user and returns their token: the only time it exists in clear.
    ///
    /// `recording` runs inside the transaction that inserts the row (e.g. to append a
    /// `UserRoleGranted` event to the ledger); if it throws, the user is not added. Its effect is
    /// durable before the row commits, so a crash between the two can leave the event without the
    /// user, never a user without the event.
    public func add(name: String, role: Role, province: Province?, recording: () throws -> Void = {}) throws -> String {
        guard User.isValidName(name) else {
            throw UserDirectoryError("user name \(name) must be 1–64 characters a–z, 0–9, '.', '_' or '-', starting with a letter or digit")
        }
        let token = try BearerToken.generate()
        let digest = try BearerToken.digest(token, secret: secret)
        try inTransaction { connection in
            let existing = try connection.prepare("SELECT 1 FROM users WHERE name = ?")
            try existing.bind([.text(name)])
            if try existing.step() { throw UserDirectoryError("user \(name) already exists; revoke it and add the person under a new name") }
            let insert = try connection.prepare(
                "INSERT INTO users(name, role, province, token_hash, created_at) VALUES (?, ?, ?, ?, ?)")
            try insert.bind([.text(name), .text(role.rawValue), province.map { .text($0.code) } ?? .null,
                             .blob(digest), .text(Self.now())])
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
                "SELECT name, role, province, created_at, revoked_at FROM users WHERE name = ? AND revoked_at IS NULL")
            try select.bind([.text(name)])
            guard try select.step() else { throw UserDirectoryError("no active user \(name) (see `oda-ledger user list`)") }
            let user = try Self.user(select)
            let update = try connection.prepare("UPDATE users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL")
            try update.bind([.text(Self.now()), .text(name)])
            _ = try update.step()
            try recording(user)
        }
    }

    /// Every user, revoked ones included, by name.
    public func list() throws -> [User] {
        try withConnection { connection in
            let select = try connection.prepare("SELECT name, role, province, created_at, revoked_at FROM users ORDER BY name")
            var users: [User] = []
            while try select.step() { users.append(try Self.user(select)) }
            return users
        }
    }

    /// The active user holding `token`, or nil for a malformed, unknown or revoked token.
    public func authenticate(token: String) -> User? {
        guard BearerToken.isWellFormed(token), let digest = try? BearerToken.digest(token, secret: secret) else { return nil }
        return try? withConnection { connection -> User? in
            let select = try connection.prepare(
                "SELECT name, role, province, created_at, revoked_at, token_hash FROM users WHERE token_hash = ?")
            try select.bind([.blob(digest)])
            guard try select.step(), ConstantTime.equals(select.blob(at: 5), digest) else { return nil }
            let user = try Self.user(select)
            return user.revokedAt == nil ? user : nil
        }
    }

    /// Runs `body` in an immediate write transaction: committed if it returns, rolled back if it throws.
    private func inTransaction(_ body: (Connection) throws -> Void) throws {
        try withConnection { connection in
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
        return User(name: row.text(at: 0), role: role, province: province, createdAt: row.text(at: 3), revokedAt: row.optionalText(at: 4))
    }

    private static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
