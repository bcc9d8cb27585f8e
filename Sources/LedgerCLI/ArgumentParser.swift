/// A command's declared options and positional arguments, from which both parsing and `--help`
/// are derived, so the help can never disagree with what is accepted.
struct CommandSpec: Sendable {
    struct Option: Sendable {
        let name: String
        /// The placeholder of the option's value, nil for a flag.
        let value: String?
        let help: String
    }

    struct Positional: Sendable {
        let name: String
        let help: String
        let optional: Bool
    }

    let name: String
    let abstract: String
    let options: [Option]
    let positionals: [Positional]
    let discussion: String?

    init(name: String, abstract: String, options: [Option], positionals: [Positional] = [], discussion: String? = nil) {
        self.name = name
        self.abstract = abstract
        self.options = options + [Option(name: "help", value: nil, help: "Show this help.")]
        self.positionals = positionals
        self.discussion = discussion
    }

    var usage: String {
        var parts = ["oda-ledger", name]
        for option in options where option.name != "help" {
            parts.append("[--\(option.name)\(option.value.map { " " + $0 } ?? "")]")
        }
        for positional in positionals {
            parts.append(positional.optional ? "[\(positional.name)]" : positional.name)
        }
        return parts.joined(separator: " ")
    }

    var help: String {
        var lines = ["\(abstract)", "", "USAGE: \(usage)"]
        if !positionals.isEmpty {
            lines += ["", "ARGUMENTS:"]
            for p in positionals { lines.append(Self.row(p.name, p.help)) }
        }
        lines += ["", "OPTIONS:"]
        for o in options { lines.append(Self.row("--\(o.name)\(o.value.map { " " + $0 } ?? "")", o.help)) }
        if let discussion { lines += ["", discussion] }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func row(_ left: String, _ right: String) -> String {
        let padded = left.count < 24 ? left + String(repeating: " ", count: 24 - left.count) : left + "  "
        return "  " + padded + right
    }

    func parse(_ arguments: [String]) throws(UsageError) -> ParsedArguments {
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var positionals: [String] = []
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("--") || argument == "-" {
                if argument.hasPrefix("-"), argument != "-", !optionsEnded {
                    throw UsageError(command: name, message: "unknown option \(argument); options start with --")
                }
                positionals.append(argument)
                continue
            }
            if argument == "--" { optionsEnded = true; continue }
            var key = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = key.firstIndex(of: "=") {
                inlineValue = String(key[key.index(after: equals)...])
                key = String(key[..<equals])
            }
            guard let option = options.first(where: { $0.name == key }) else {
                let suggestion = options.map(\.name).min { editDistance($0, key) < editDistance($1, key) }
                let hint = suggestion.map { editDistance($0, key) <= 2 ? " (did you mean --\($0)?)" : "" } ?? ""
                throw UsageError(command: name, message: "unknown option --\(key)\(hint)")
            }
            if option.value == nil {
                guard inlineValue == nil else { throw UsageError(command: name, message: "--\(key) takes no value") }
                flags.insert(key)
            } else {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else {
                        throw UsageError(command: name, message: "--\(key) needs a value (\(option.value!))")
                    }
                    value = arguments[index]
                    index += 1
                }
                guard values[key] == nil else { throw UsageError(command: name, message: "--\(key) is given twice") }
                values[key] = value
            }
        }
        if flags.contains("help") { return ParsedArguments(values: values, flags: flags, positionals: positionals) }
        if positionals.count > self.positionals.count {
            let extra = positionals[self.positionals.count]
            throw UsageError(command: name, message: "unexpected argument \(extra)")
        }
        for (i, p) in self.positionals.enumerated() where !p.optional && i >= positionals.count {
            throw UsageError(command: name, message: "missing argument \(p.name)")
        }
        return ParsedArguments(values: values, flags: flags, positionals: positionals)
    }
}

struct ParsedArguments: Sendable {
    let values: [String: String]
    let flags: Set<String>
    let positionals: [String]

    func flag(_ name: String) -> Bool { flags.contains(name) }
    subscript(_ name: String) -> String? { values[name] }

    func integer(_ name: String, command: String, minimum: Int64 = 0) throws(UsageError) -> Int64? {
        guard let text = values[name] else { return nil }
        guard let value = Int64(text), value >= minimum else {
            throw UsageError(command: command, message: "--\(name) must be a whole number of at least \(minimum), not \(text)")
        }
        return value
    }

    func choice(_ name: String, command: String, among allowed: [String], default fallback: String) throws(UsageError) -> String {
        let value = values[name] ?? fallback
        guard allowed.contains(value) else {
            throw UsageError(command: command, message: "--\(name) must be one of \(allowed.joined(separator: ", ")), not \(value)")
        }
        return value
    }
}

/// A mistake in how a command was called: exit code 2, with the command's usage line.
struct UsageError: Error, CustomStringConvertible {
    let command: String
    let message: String
    var description: String { message }
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}
