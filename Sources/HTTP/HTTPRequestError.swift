/// Why a request was refused before it reached the handler: the status the server answers with
/// and a message saying what to change. The message goes into the response body, so it never
/// quotes header values back (they may hold credentials).
public struct HTTPRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case malformedRequestLine
        case invalidMethod
        case invalidTarget
        case targetTooLong
        case unsupportedVersion
        case bareLineFeed
        case malformedHeaderLine
        case obsoleteLineFolding
        case whitespaceBeforeColon
        case invalidFieldValue
        case headerSectionTooLarge
        case tooManyHeaderFields
        case missingHost
        case multipleHosts
        case invalidHost
        case invalidContentLength
        case conflictingContentLength
        case transferEncodingNotImplemented
        case transferEncodingWithContentLength
        case contentTooLarge
        case unsupportedExpectation
        case requestTimeout
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The status the server answers with.
    public var status: HTTPStatus {
        switch kind {
        case .targetTooLong: .uriTooLong
        case .unsupportedVersion: .httpVersionNotSupported
        case .headerSectionTooLarge, .tooManyHeaderFields: .requestHeaderFieldsTooLarge
        case .transferEncodingNotImplemented: .unsupportedFeature
        case .contentTooLarge: .contentTooLarge
        case .unsupportedExpectation: .expectationFailed
        case .requestTimeout: .requestTimeout
        default: .badRequest
        }
    }

    public var description: String { "\(status): \(message)" }
}
