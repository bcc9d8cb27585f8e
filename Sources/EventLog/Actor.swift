import CanonicalJSON

/// Who recorded an event. It always comes from authentication (a token, the operating-system
/// user running the CLI), never from the content of a request.
public struct Actor: Sendable, Hashable {
    /// A stable identifier of the user or process: `user:somsack`, `local:root`.
    public let id: String
    /// The role the actor held when recording (recorder, approver, inspector, auditor, admin).
    public let role: String?
    /// The organisational unit, e.g. a province code for provincial staff.
    public let unit: String?

    public init(id: String, role: String? = nil, unit: String? = nil) throws(EnvelopeError) {
        try Identifier.check(id, as: .actorID, at: "/actor/id")
        if let role { try Identifier.check(role, as: .role, at: "/actor/role") }
        if let unit { try Identifier.check(unit, as: .token, at: "/actor/unit") }
        self.id = id
        self.role = role
        self.unit = unit
    }

    var jsonValue: JSONValue {
        var object = JSONObject()
        object["id"] = .string(id)
        if let role { object["role"] = .string(role) }
        if let unit { object["unit"] = .string(unit) }
        return .object(object)
    }

    init(json: JSONValue) throws(EnvelopeError) {
        guard case let .object(object) = json else { throw .wrongType(pointer: "/actor", expected: "an object") }
        for key in object.keys where !["id", "role", "unit"].contains(key) {
            throw .unexpectedMember(pointer: "/actor/\(key)")
        }
        guard case let .string(id)? = object["id"] else { throw .missingMember(pointer: "/actor/id") }
        try self.init(id: id, role: try optionalString(object["role"], "/actor/role"),
                      unit: try optionalString(object["unit"], "/actor/unit"))
    }
}

func optionalString(_ value: JSONValue?, _ pointer: String) throws(EnvelopeError) -> String? {
    switch value {
    case .none: return nil
    case let .string(s)?: return s
    default: throw .wrongType(pointer: pointer, expected: "a string")
    }
}
