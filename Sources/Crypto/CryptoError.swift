/// Failures of the cryptographic layer. Each case carries OpenSSL's own error text where there
/// is one, so an operator can tell a corrupt key file from a missing library feature.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// OpenSSL refused an operation; `operation` names the call, `detail` is OpenSSL's error queue.
    case openSSL(operation: String, detail: String)
    /// A key, signature or digest had the wrong length or encoding.
    case invalidEncoding(String)
    /// A key file could not be read or written.
    case keyFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .openSSL(operation, detail):
            return "OpenSSL \(operation) failed: \(detail.isEmpty ? "no detail in OpenSSL's error queue" : detail)"
        case let .invalidEncoding(what):
            return what
        case let .keyFile(path, reason):
            return "key file \(path): \(reason)"
        }
    }
}
