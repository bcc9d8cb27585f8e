import EventLog
import ODA

/// An authenticated user: who they are, their role, and for provincial staff their province.
public struct User: Sendable, Hashable {
    /// `[a-z0-9][a-z0-9._-]{0,63}`; events record it as actor id `user:<name>`.
    public let name: String
    public let role: Role
    /// nil for national (ministry) staff.
    public let province: Province?
    public let createdAt: String
    public let revokedAt: String?
    /// When the token stops authenticating (RFC 3339, UTC); nil only for users added before
    /// tokens expired, until their token is renewed.
    public let expiresAt: String?

    /// The actor recorded on every event this user appends: never taken from a request body.
    public init(name: String, role: Role, province: Province?, createdAt: String, revokedAt: String?, expiresAt: String? = nil) {
        self.name = name
        self.role = role
        self.province = province
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.expiresAt = expiresAt
    }

    public var actor: Actor {
        // The name is checked on creation to fit the actor id rules, so this cannot fail.
        (try? Actor(id: "user:" + name, role: role.rawValue, unit: province?.code))!
    }

    /// Whether `name` is acceptable as a user name.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1 ... 64).contains(bytes.count), let first = bytes.first,
              (0x61 ... 0x7A).contains(first) || (0x30 ... 0x39).contains(first) else { return false }
        return bytes.allSatisfy { (0x61 ... 0x7A).contains($0) || (0x30 ... 0x39).contains($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }
}
