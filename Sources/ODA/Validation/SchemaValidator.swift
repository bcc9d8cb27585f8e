import CanonicalJSON
import Foundation

/// Checks a JSON value against one of the event schemas in `Schemas/events/`.
///
/// It implements exactly the JSON Schema 2020-12 subset those files use, and refuses to load a
/// schema that uses anything else, so a keyword can never be silently ignored: `type`, `required`,
/// `properties`, `additionalProperties: false`, `enum`, `const`, `pattern`, `minimum`/`maximum`,
/// `minLength`/`maxLength` (in Unicode scalars, as JSON Schema counts characters), `items`,
/// `minItems`/`maxItems`, `$ref` to `#/$defs/…`, and `format: date` checked as a real date.
/// Annotations (`$schema`, `$id`, `title`, `description`, `$defs`) are accepted. Three ledger
/// keywords, ignored by standard validators, are enforced here:
/// - `x-codelist`: the string must be a code of `ISO4217`, `DAC5`, `ISO3166-2:LA`,
///   `IATIOrganisationType` or `LaoSectorWorkingGroup`;
/// - `x-decimal`: the string must parse exactly as an `amount`, `percentage` or `rate`;
/// - `x-stream`: (top level only) the stream kind the event belongs to; read by `EventCatalogue`.
///
/// The first violation found is reported, with its JSON pointer and rule; checks run in a fixed
/// order (type, then required members in schema order, then members in request order).
public struct SchemaValidator: Sendable {
    public let root: JSONObject
    private let patterns: [String: CompiledPattern]
    /// The same schema with its keywords looked up once: what ``validate(_:)`` runs.
    private let compiled: CompiledSchema

    static let supportedKeywords: Set<String> = [
        "$schema", "$id", "title", "description", "$defs", "x-stream",
        "type", "required", "properties", "additionalProperties", "enum", "const", "pattern",
        "minimum", "maximum", "minLength", "maxLength", "items", "minItems", "maxItems", "$ref", "format",
        "x-codelist", "x-decimal",
    ]

    /// Loads a schema text; throws naming the first unsupported or malformed construct.
    public init(schemaText: String) throws(SchemaLoadError) {
        let value: JSONValue
        do { value = try JSONValue.parse(schemaText) } catch { throw SchemaLoadError("not valid JSON: \(error)") }
        guard case let .object(root) = value else { throw SchemaLoadError("a schema must be an object") }
        var patterns: [String: CompiledPattern] = [:]
        try Self.check(.object(root), at: "", patterns: &patterns, root: root)
        self.root = root
        self.patterns = patterns
        compiled = CompiledSchema(root: root, patterns: patterns)
    }

    private static func check(_ schema: JSONValue, at path: String, patterns: inout [String: CompiledPattern],
                              root: JSONObject) throws(SchemaLoadError) {
        guard case let .object(object) = schema else {
            if case .bool = schema, path.hasSuffix("/additionalProperties") { return }
            throw SchemaLoadError("\(path): a subschema must be an object")
        }
        for (key, value) in object {
            guard supportedKeywords.contains(key) else { throw SchemaLoadError("\(path): unsupported keyword \(key)") }
            switch key {
            case "additionalProperties":
                guard value == .bool(false) else { throw SchemaLoadError("\(path): only additionalProperties: false is supported") }
            case "properties", "$defs":
                guard case let .object(members) = value else { throw SchemaLoadError("\(path)/\(key): must be an object") }
                for (name, subschema) in members { try check(subschema, at: "\(path)/\(key)/\(name)", patterns: &patterns, root: root) }
            case "items":
                try check(value, at: "\(path)/items", patterns: &patterns, root: root)
            case "pattern":
                guard case let .string(pattern) = value else { throw SchemaLoadError("\(path)/pattern: must be a string") }
                do { patterns[pattern] = CompiledPattern(pattern, reference: NSRegularExpressionBox(try NSRegularExpression(pattern: pattern))) } catch {
                    throw SchemaLoadError("\(path)/pattern: not a valid regular expression: \(pattern)")
                }
            case "$ref":
                guard case let .string(ref) = value, ref.hasPrefix("#/$defs/"),
                      case .object? = root["$defs"]?.objectValue?[String(ref.dropFirst("#/$defs/".count))] else {
                    throw SchemaLoadError("\(path)/$ref: only references to an existing #/$defs/NAME are supported")
                }
            case "format":
                guard value == .string("date") else { throw SchemaLoadError("\(path)/format: only date is supported") }
            case "x-codelist":
                guard case let .string(name) = value, Codelist(rawValue: name) != nil else {
                    throw SchemaLoadError("\(path)/x-codelist: unknown codelist \(value)")
                }
            case "x-decimal":
                guard case let .string(name) = value, ["amount", "percentage", "rate"].contains(name) else {
                    throw SchemaLoadError("\(path)/x-decimal: unknown decimal kind \(value)")
                }
            case "type":
                guard case let .string(name) = value, ["object", "array", "string", "integer", "boolean", "null"].contains(name) else {
                    throw SchemaLoadError("\(path)/type: unsupported type \(value) (numbers other than integers are never used)")
                }
            default:
                break
            }
        }
    }

    /// Throws `(pointer, rule)` for the first violation; `pointer` is relative to the validated value.
    public func validate(_ value: JSONValue) throws(SchemaViolation) {
        try compiled.validate(value)
    }

    /// ``validate(_:)`` reading each keyword out of the schema's JSON as it goes: the reference
    /// the compiled tree is tested against.
    func validateByReading(_ value: JSONValue) throws(SchemaViolation) {
        try validate(value, against: .object(root), at: JSONPointer.root)
    }

    private func validate(_ value: JSONValue, against schema: JSONValue, at pointer: JSONPointer) throws(SchemaViolation) {
        guard case let .object(s) = schema else { return }
        func fail(_ rule: String) -> SchemaViolation { SchemaViolation(pointer: pointer.description, rule: rule) }

        if case let .string(ref)? = s["$ref"], case let .object(defs)? = root["$defs"],
           let target = defs[String(ref.dropFirst("#/$defs/".count))] {
            try validate(value, against: target, at: pointer)
        }
        if case let .string(type)? = s["type"] {
            let matches: Bool
            switch (type, value) {
            case ("object", .object), ("array", .array), ("string", .string), ("integer", .integer),
                 ("boolean", .bool), ("null", .null): matches = true
            default: matches = false
            }
            guard matches else { throw fail("must be \(Self.article(type)), not \(Self.kind(of: value))") }
        }
        if let constant = s["const"], value != constant {
            throw fail("must be \(constant)")
        }
        if case let .array(options)? = s["enum"], !options.contains(value) {
            throw fail("must be one of \(options.map(\.description).joined(separator: ", ")); \(value) is not one")
        }
        switch value {
        case let .object(object):
            if case let .array(required)? = s["required"] {
                for case let .string(name) in required where object[name] == nil {
                    throw SchemaViolation(pointer: pointer.appending(name).description, rule: "is required")
                }
            }
            let properties = s["properties"]?.objectValue ?? JSONObject()
            for (name, member) in object {
                if let propertySchema = properties[name] {
                    try validate(member, against: propertySchema, at: pointer.appending(name))
                } else if s["additionalProperties"] == .bool(false) {
                    let known = properties.keys.sorted().joined(separator: ", ")
                    throw SchemaViolation(pointer: pointer.appending(name).description,
                                          rule: "is not allowed here (allowed members: \(known))")
                }
            }
        case let .array(elements):
            if case let .integer(minimum)? = s["minItems"], elements.count < minimum {
                throw fail("must have at least \(minimum) item\(minimum == 1 ? "" : "s")")
            }
            if case let .integer(maximum)? = s["maxItems"], elements.count > maximum {
                throw fail("must have at most \(maximum) items")
            }
            if let items = s["items"] {
                for (index, element) in elements.enumerated() {
                    try validate(element, against: items, at: pointer.appending(index: index))
                }
            }
        case let .string(text):
            let length = text.unicodeScalars.count
            if case let .integer(minimum)? = s["minLength"], length < minimum {
                throw fail(minimum == 1 ? "must not be empty" : "must have at least \(minimum) characters")
            }
            if case let .integer(maximum)? = s["maxLength"], length > maximum {
                throw fail("must have at most \(maximum) characters")
            }
            if s["format"] == .string("date"), CalendarDate(text) == nil {
                throw fail("must be a real calendar date written YYYY-MM-DD; \(text) is not one")
            }
            if case let .string(kind)? = s["x-decimal"] {
                do throws(MoneyError) { try Self.checkDecimal(text, kind: kind) } catch { throw fail(error.description) }
            }
            if case let .string(pattern)? = s["pattern"], let regex = patterns[pattern], !regex.matches(text) {
                let rule = s["description"]?.stringValue.map { " (\($0))" } ?? ""
                throw fail("must match \(pattern)\(rule); \"\(text)\" does not")
            }
            if case let .string(name)? = s["x-codelist"], let codelist = Codelist(rawValue: name),
               let problem = codelist.problem(with: text) {
                throw fail(problem)
            }
        case let .integer(number):
            if case let .integer(minimum)? = s["minimum"], number < minimum { throw fail("must be at least \(minimum)") }
            if case let .integer(maximum)? = s["maximum"], number > maximum { throw fail("must be at most \(maximum)") }
        default:
            break
        }
    }

    /// Whether `text` parses exactly as an `x-decimal` of `kind` (amount, percentage or rate).
    static func checkDecimal(_ text: String, kind: String) throws(MoneyError) {
        switch kind {
        case "amount": _ = try DecimalString(parsing: text, maximumFractionDigits: Amount.scale, maximumIntegerDigits: Amount.maximumIntegerDigits)
        case "percentage": _ = try Percentage(text)
        default:
            let rate = try DecimalString(parsing: text, maximumFractionDigits: ExchangeRate.maximumFractionDigits, maximumIntegerDigits: 12)
            if rate.significand <= 0 { throw MoneyError.nonPositiveRate(text) }
        }
    }

    static func article(_ type: String) -> String {
        switch type {
        case "object": "an object"
        case "array": "an array"
        case "integer": "an integer"
        case "null": "null"
        default: "a \(type)"
        }
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .number: "a non-integer number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A schema rule a value breaks: where (relative JSON pointer) and which rule.
public struct SchemaViolation: Error, Sendable, Equatable {
    public let pointer: String
    public let rule: String
}

/// A schema file the validator cannot enforce faithfully.
public struct SchemaLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A schema pattern: matched by its ``SchemaPattern`` automaton when the pattern is in that
/// type's language (every pattern of the shipped schemas is), else by `NSRegularExpression`.
struct CompiledPattern: Sendable {
    let automaton: SchemaPattern?
    let reference: NSRegularExpressionBox

    init(_ pattern: String, reference: NSRegularExpressionBox) {
        automaton = SchemaPattern(pattern)
        self.reference = reference
    }

    func matches(_ text: String) -> Bool {
        if let automaton { return automaton.matches(text) }
        return reference.matches(text)
    }
}

/// `NSRegularExpression` is immutable after creation and documented as thread-safe; this box
/// states that to the compiler.
struct NSRegularExpressionBox: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }

    /// Whether the pattern matches somewhere in `text` (JSON Schema patterns are not anchored implicitly).
    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
