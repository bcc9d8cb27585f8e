/// One problem found in an import file, located so a person can open the file and fix it.
public struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file as the user named it.
    public let file: String
    /// 1-based line of the element (XML) or row (CSV); 0 when the problem concerns the whole file.
    public let line: Int
    /// The element path (XML, e.g. `iati-activity/transaction/value`) or column (CSV).
    public let element: String
    /// The rule broken, in words.
    public let rule: String

    public init(file: String, line: Int, element: String, rule: String) {
        self.file = file
        self.line = line
        self.element = element
        self.rule = rule
    }

    public var description: String { "\(file):\(line): <\(element)> \(rule)" }
}

/// Why an import appended nothing: every problem found, not just the first, because a publisher
/// fixing a file wants the whole list at once. Nothing of the file is ever partly imported.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [ImportProblem]

    public init(_ problems: [ImportProblem]) { self.problems = problems }

    public var description: String {
        problems.map(\.description).joined(separator: "\n") + "\nnothing was imported"
    }
}
