import CanonicalJSON

/// The ODA event types, each with its schema loaded from the embedded copy of
/// `Schemas/events/<Type>.schema.json` and the kind of stream it belongs to (`x-stream`). The
/// inspectors' case events and `RuleConfigured` are part of it, so every append path checks
/// their shape; their domain checks live in the Inspection module.
public struct EventCatalogue: Sendable {
    /// Stream kinds whose streams are named `<kind>:<id>`.
    public static let keyedStreamKinds: Set<String> = ["project", "org", "fx", "user", "case"]
    /// Stream kinds that name one stream, exactly.
    public static let singleStreamKinds: Set<String> = ["rules"]

    public struct Entry: Sendable {
        public let type: String
        /// `project`, `org`, `fx`, `user` or `case`: the event goes on a stream named `<kind>:<id>`;
        /// `rules`: on the stream named `rules`.
        public let streamKind: String
        public let schema: SchemaValidator

        /// The id part of `stream` when an event of this type may go there ("" for a single
        /// stream); nil when it may not.
        public func streamID(of stream: String) -> String? {
            if EventCatalogue.singleStreamKinds.contains(streamKind) { return stream == streamKind ? "" : nil }
            let prefix = streamKind + ":"
            guard stream.hasPrefix(prefix), stream.count > prefix.count else { return nil }
            return String(stream.dropFirst(prefix.count))
        }

        /// How the allowed streams are named, for error messages: `project:<id>` or `rules`.
        public var streamPattern: String {
            EventCatalogue.singleStreamKinds.contains(streamKind) ? streamKind : streamKind + ":<id>"
        }
    }

    public let entries: [String: Entry]

    /// Loads every embedded schema; throws naming the schema that cannot be enforced.
    public init() throws(SchemaLoadError) {
        var entries: [String: Entry] = [:]
        for (type, text) in EventSchemaTexts.byType {
            let schema: SchemaValidator
            do { schema = try SchemaValidator(schemaText: text) } catch { throw SchemaLoadError("\(type).schema.json: \(error.message)") }
            guard case let .string(kind)? = schema.root["x-stream"],
                  Self.keyedStreamKinds.contains(kind) || Self.singleStreamKinds.contains(kind) else {
                throw SchemaLoadError("\(type).schema.json: x-stream must be project, org, fx, user, case or rules")
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
