import CanonicalJSON

/// A loaded event schema turned into a tree of nodes whose keywords are already looked up.
///
/// Why: the schema validator used to read every keyword of every subschema out of the schema's
/// JSON objects (a dozen binary searches over string keys per value), for every member of every
/// appended event; that lookup was most of the cost of schema validation. The tree holds each
/// keyword's value in a field, `$ref`s resolved to their `$defs` node, and members' subschemas in
/// a hash table.
///
/// What is guaranteed: ``validate(_:)`` finds exactly the first violation the keyword-by-keyword
/// reading (`SchemaValidator.validateByReading`) finds — same checks, same order, same pointer
/// and rule text; a test compares the two on every example event and on many altered ones.
struct CompiledSchema: Sendable {
    final class Node: Sendable {
        /// Index of the `$defs` node a `$ref` names, checked first, at the same pointer.
        let reference: Int?
        let type: String?
        let constant: JSONValue?
        let options: [JSONValue]?
        let required: [String]
        let properties: [String: Node]
        /// `properties`' names sorted and joined, for the additional-member message.
        let knownMembers: String
        let closed: Bool
        let minimumItems: Int64?
        let maximumItems: Int64?
        let items: Node?
        let minimumLength: Int64?
        let maximumLength: Int64?
        let isDate: Bool
        let decimal: String?
        /// The pattern text, its matcher, and the rule's suffix (the schema's description).
        let pattern: (text: String, matcher: CompiledPattern, suffix: String)?
        let codelist: Codelist?
        let minimum: Int64?
        let maximum: Int64?

        init(_ s: JSONObject, definitions: [String: Int], patterns: [String: CompiledPattern]) {
            if case let .string(ref)? = s["$ref"] {
                reference = definitions[String(ref.dropFirst("#/$defs/".count))]
            } else {
                reference = nil
            }
            if case let .string(type)? = s["type"] { self.type = type } else { type = nil }
            constant = s["const"]
            if case let .array(options)? = s["enum"] { self.options = options } else { options = nil }
            if case let .array(names)? = s["required"] {
                required = names.compactMap { if case let .string(name) = $0 { name } else { nil } }
            } else {
                required = []
            }
            let memberSchemas = s["properties"]?.objectValue ?? JSONObject()
            var properties: [String: Node] = [:]
            for (name, subschema) in memberSchemas {
                properties[name] = Node(subschema.objectValue ?? JSONObject(), definitions: definitions, patterns: patterns)
            }
            self.properties = properties
            knownMembers = memberSchemas.keys.sorted().joined(separator: ", ")
            closed = s["additionalProperties"] == .bool(false)
            if case let .integer(n)? = s["minItems"] { minimumItems = n } else { minimumItems = nil }
            if case let .integer(n)? = s["maxItems"] { maximumItems = n } else { maximumItems = nil }
            items = s["items"].map { Node($0.objectValue ?? JSONObject(), definitions: definitions, patterns: patterns) }
            if case let .integer(n)? = s["minLength"] { minimumLength = n } else { minimumLength = nil }
            if case let .integer(n)? = s["maxLength"] { maximumLength = n } else { maximumLength = nil }
            isDate = s["format"] == .string("date")
            if case let .string(kind)? = s["x-decimal"] { decimal = kind } else { decimal = nil }
            if case let .string(text)? = s["pattern"], let matcher = patterns[text] {
                pattern = (text, matcher, s["description"]?.stringValue.map { " (\($0))" } ?? "")
            } else {
                pattern = nil
            }
            if case let .string(name)? = s["x-codelist"] { codelist = Codelist(rawValue: name) } else { codelist = nil }
            if case let .integer(n)? = s["minimum"] { minimum = n } else { minimum = nil }
            if case let .integer(n)? = s["maximum"] { maximum = n } else { maximum = nil }
        }
    }

    let root: Node
    let definitions: [Node]

    init(root: JSONObject, patterns: [String: CompiledPattern]) {
        let defs = root["$defs"]?.objectValue ?? JSONObject()
        var indices: [String: Int] = [:]
        for (index, name) in defs.keys.enumerated() { indices[name] = index }
        definitions = defs.values.map { Node($0.objectValue ?? JSONObject(), definitions: indices, patterns: patterns) }
        self.root = Node(root, definitions: indices, patterns: patterns)
    }

    func validate(_ value: JSONValue) throws(SchemaViolation) {
        var path: [String] = []
        try validate(value, against: root, path: &path)
    }

    private func validate(_ value: JSONValue, against node: Node, path: inout [String]) throws(SchemaViolation) {
        func fail(_ rule: String) -> SchemaViolation { SchemaViolation(pointer: JSONPointer(path).description, rule: rule) }

        if let reference = node.reference { try validate(value, against: definitions[reference], path: &path) }
        if let type = node.type {
            let matches: Bool
            switch (type, value) {
            case ("object", .object), ("array", .array), ("string", .string), ("integer", .integer),
                 ("boolean", .bool), ("null", .null): matches = true
            default: matches = false
            }
            guard matches else { throw fail("must be \(SchemaValidator.article(type)), not \(SchemaValidator.kind(of: value))") }
        }
        if let constant = node.constant, value != constant { throw fail("must be \(constant)") }
        if let options = node.options, !options.contains(value) {
            throw fail("must be one of \(options.map(\.description).joined(separator: ", ")); \(value) is not one")
        }
        switch value {
        case let .object(object):
            for name in node.required where object[name] == nil {
                throw SchemaViolation(pointer: JSONPointer(path + [name]).description, rule: "is required")
            }
            for (name, member) in object {
                if let propertySchema = node.properties[name] {
                    path.append(name)
                    try validate(member, against: propertySchema, path: &path)
                    path.removeLast()
                } else if node.closed {
                    throw SchemaViolation(pointer: JSONPointer(path + [name]).description,
                                          rule: "is not allowed here (allowed members: \(node.knownMembers))")
                }
            }
        case let .array(elements):
            if let minimum = node.minimumItems, elements.count < minimum {
                throw fail("must have at least \(minimum) item\(minimum == 1 ? "" : "s")")
            }
            if let maximum = node.maximumItems, elements.count > maximum { throw fail("must have at most \(maximum) items") }
            if let items = node.items {
                for (index, element) in elements.enumerated() {
                    path.append(String(index))
                    try validate(element, against: items, path: &path)
                    path.removeLast()
                }
            }
        case let .string(text):
            if node.minimumLength != nil || node.maximumLength != nil {
                let length = text.unicodeScalars.count
                if let minimum = node.minimumLength, length < minimum {
                    throw fail(minimum == 1 ? "must not be empty" : "must have at least \(minimum) characters")
                }
                if let maximum = node.maximumLength, length > maximum { throw fail("must have at most \(maximum) characters") }
            }
            if node.isDate, CalendarDate(text) == nil {
                throw fail("must be a real calendar date written YYYY-MM-DD; \(text) is not one")
            }
            if let kind = node.decimal {
                do throws(MoneyError) { try SchemaValidator.checkDecimal(text, kind: kind) } catch { throw fail(error.description) }
            }
            if let pattern = node.pattern, !pattern.matcher.matches(text) {
                throw fail("must match \(pattern.text)\(pattern.suffix); \"\(text)\" does not")
            }
            if let codelist = node.codelist, let problem = codelist.problem(with: text) { throw fail(problem) }
        case let .integer(number):
            if let minimum = node.minimum, number < minimum { throw fail("must be at least \(minimum)") }
            if let maximum = node.maximum, number > maximum { throw fail("must be at most \(maximum)") }
        default:
            break
        }
    }
}
