import COpenSSL

/// OpenSSL's error queue is per thread: it is drained on the thread that made the failing
/// call, before anything else can run there.
enum OpenSSLErrorQueue {
    static func clear() { ERR_clear_error() }

    /// Empties the queue and returns its entries as one line.
    static func drain() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.joined(separator: "; ")
    }

    static func failure(_ operation: String) -> CryptoError {
        .openSSL(operation: operation, detail: drain())
    }
}
