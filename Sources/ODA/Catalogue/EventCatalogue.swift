import CanonicalJSON

/// The ODA event types, each with its schema loaded from the embedded copy of
/// `Schemas/events/<Type>.schema.json` and the kind of stream it belongs to (`x-stream`).
public struct EventCatalogue: Sendable {
    public struct Entry: Sendable {
        public let type: String
        /// `project`, `org`, `fx` or `user`: the event goes on a stream named `<kind>:<id>`.
        public let streamKind: String
        public let schema: SchemaValidator
    }

    public let entries: [String: Entry]

    /// Loads every embedded schema; throws naming the schema that cannot be enforced.
    public init() throws(SchemaLoadError) {
        var entries: [String: Entry] = [:]
        for (type, text) in EventSchemaTexts.byType {
            let schema: SchemaValidator
            do { schema = try SchemaValidator(schemaText: text) } catch { throw SchemaLoadError("\(type).schema.json: \(error.message)") }
            guard case let .string(kind)? = schema.root["x-stream"], ["project", "org", "fx", "user"].contains(kind) else {
                throw SchemaLoadError("\(type).schema.json: x-stream must be project, org, fx or user")
            }
            guard schema.root["title"] == .string(type) else { throw SchemaLoadError("\(type).schema.json: title must be \(type)") }
            entries[type] = Entry(type: type, streamKind: kind, schema: schema)
        }
        self.entries = entries
    }

    public var types: [String] { entries.keys.sorted() }

    /// The one catalogue, loaded once. Loading can only fail if the embedded schemas are broken,
    /// which `EventSchemaFileTests` rules out before anything ships.
    public static let standard: EventCatalogue = {
        do { return try EventCatalogue() } catch { fatalError("embedded event schemas cannot be loaded: \(error)") }
    }()
}
