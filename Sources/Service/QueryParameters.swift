import Foundation

/// The query string of a request, strictly read: a parameter the route does not know, or one
/// given twice, is a 400 rather than silently ignored, so a misspelt filter never returns
/// everything.
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ query: Substring?, allowed: Set<String>) throws {
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = String(parts[0]).removingPercentEncoding,
                  let value = String(parts.count > 1 ? parts[1] : "").removingPercentEncoding else {
                throw ProblemDetails(.badRequest, "bad-query", "the query string has a malformed percent-encoding in \(pair)")
            }
            guard allowed.contains(name) else {
                let known = allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
                throw ProblemDetails(.badRequest, "bad-query", "unknown query parameter \(name); this route takes: \(known)")
            }
            guard values[name] == nil else {
                throw ProblemDetails(.badRequest, "bad-query", "query parameter \(name) is given more than once")
            }
            values[name] = value
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// An integer parameter within `range`, or nil when absent.
    func integer(_ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = values[name] else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw ProblemDetails(.badRequest, "bad-query", "query parameter \(name) must be an integer from \(range.lowerBound) to \(range.upperBound); it is \(text)")
        }
        return value
    }

    func requiredInteger(_ name: String, in range: ClosedRange<Int64>) throws -> Int64 {
        guard let value = try integer(name, in: range) else {
            throw ProblemDetails(.badRequest, "bad-query", "query parameter \(name) is required")
        }
        return value
    }
}
