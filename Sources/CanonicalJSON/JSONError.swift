/// Why a JSON text was refused (or an object could not be built), with enough position
/// information for a person to find and fix the problem.
///
/// Errors from `JSONValue.parse` always carry a position: `offset` is
/// the 0-based byte offset into the input, `line` and `column` are 1-based, lines are
/// separated by LF, and the column counts Unicode scalars (not bytes) from the start of the line.
/// Errors that do not come from text (for example a duplicate key passed to
/// ``JSONObject/init(_:)``) have `line == 0` and `column == 0`, and their description is the
/// reason alone.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 0-based byte offset of the problem in the input.
    public let offset: Int
    /// 1-based line of the problem, or 0 when the error has no position in a text.
    public let line: Int
    /// 1-based column (in Unicode scalars) of the problem, or 0 when the error has no position.
    public let column: Int
    /// What is wrong, phrased so that the author of the input can act on it,
    /// e.g. `duplicate key "amount"` or `leading zeros are not allowed`.
    public let reason: String

    public init(reason: String, offset: Int = 0, line: Int = 0, column: Int = 0) {
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Whether the error points at a place in an input text.
    public var hasPosition: Bool { line > 0 }

    /// `"line 1, column 14: duplicate key \"amount\""`, or the reason alone when there is no position.
    public var description: String {
        hasPosition ? "line \(line), column \(column): \(reason)" : reason
    }

    /// The same error with `line` and `column` computed from `offset` within `input`.
    func located(in input: UnsafeBufferPointer<UInt8>) -> JSONError {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, input.count)
        while index < end {
            let byte = input[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return JSONError(reason: reason, offset: offset, line: line, column: column)
    }
}
