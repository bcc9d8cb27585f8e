import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// OpenSSL's error queue is per thread; it is cleared before each SSL call and drained right
/// after a failure, on the same thread, with nothing in between.
enum TLSErrorQueue {
    static func drain() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "no detail from OpenSSL" : messages.joined(separator: "; ")
    }
}

/// The server's SSL_CTX: certificate chain and key loaded and checked once, TLS 1.2 minimum,
/// no renegotiation, no compression.
///
/// `@unchecked Sendable`: the context is only configured in `init`; afterwards it is only
/// passed to SSL_new, which OpenSSL documents as safe from many threads on one SSL_CTX.
final class TLSContext: @unchecked Sendable {
    private let context: OpaquePointer

    init(_ configuration: TLSConfiguration) throws(HTTPServerError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw HTTPServerError(.tls, "Cannot create a TLS context: \(TLSErrorQueue.drain())")
        }
        self.context = context
        guard oda_ssl_ctx_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw HTTPServerError(.tls, "Cannot require TLS 1.2: \(TLSErrorQueue.drain())")
        }
        _ = SSL_CTX_set_options(context, oda_ssl_server_options())
        _ = oda_ssl_ctx_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        guard SSL_CTX_use_certificate_chain_file(context, configuration.certificateChainPath) == 1 else {
            throw HTTPServerError(.tls, "Cannot load the certificate chain from \(configuration.certificateChainPath) (PEM expected): \(TLSErrorQueue.drain())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, configuration.privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw HTTPServerError(.tls, "Cannot load the private key from \(configuration.privateKeyPath) (unencrypted PEM expected): \(TLSErrorQueue.drain())")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw HTTPServerError(.tls, "The private key does not match the certificate: \(TLSErrorQueue.drain())")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// A TLS stream over an accepted socket, before its handshake; nil if OpenSSL cannot make one.
    func makeStream(fd: Int32) -> TLSStream? {
        ERR_clear_error()
        guard let ssl = SSL_new(context) else {
            ERR_clear_error()
            return nil
        }
        guard SSL_set_fd(ssl, fd) == 1 else {
            ERR_clear_error()
            SSL_free(ssl)
            return nil
        }
        return TLSStream(ssl: ssl, fd: fd)
    }
}

/// One TLS session on a non-blocking socket. Not Sendable: it lives and dies on its
/// connection's thread, which is also the thread whose OpenSSL error queue it reads.
final class TLSStream: ByteStream {
    let fd: Int32
    private let ssl: OpaquePointer
    /// After a fatal error OpenSSL forbids SSL_shutdown.
    private var broken = false

    fileprivate init(ssl: OpaquePointer, fd: Int32) {
        self.ssl = ssl
        self.fd = fd
    }

    deinit { SSL_free(ssl) }

    /// Runs the server side of the handshake until it completes or the deadline passes.
    func handshake(deadline: Deadline) -> IOOutcome {
        while true {
            ERR_clear_error()
            let result = SSL_accept(ssl)
            if result == 1 { return .done(0) }
            if let outcome = wait(after: result, deadline: deadline) { return outcome }
        }
    }

    var hasBufferedBytes: Bool { SSL_pending(ssl) > 0 }

    /// Always nil: whether a whole TLS record has arrived is known only by reading, so a TLS
    /// connection waits (watching the shutdown signal) as before.
    func readIfAvailable(into buffer: UnsafeMutableRawBufferPointer) -> IOOutcome? { nil }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) -> IOOutcome {
        while true {
            ERR_clear_error()
            let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if n > 0 { return .done(Int(n)) }
            if let outcome = wait(after: n, deadline: deadline) { return outcome }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) -> IOOutcome {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let n = SSL_write(ssl, bytes.baseAddress! + offset, Int32(clamping: bytes.count - offset))
            if n > 0 {
                offset += Int(n)
                continue
            }
            if let outcome = wait(after: n, deadline: deadline) { return outcome }
        }
        return .done(offset)
    }

    /// Sends close_notify once, without waiting for the peer's (RFC 8446 allows a half close).
    func closeGracefully() {
        guard !broken else { return }
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// After a non-positive result: nil to retry once the socket is ready, or how the call ended.
    private func wait(after result: Int32, deadline: Deadline) -> IOOutcome? {
        let error = SSL_get_error(ssl, result)
        let waited: IOOutcome
        switch error {
        case SSL_ERROR_WANT_READ:
            waited = Poll.wait(fd, for: Int16(POLLIN), until: deadline)
        case SSL_ERROR_WANT_WRITE:
            waited = Poll.wait(fd, for: Int16(POLLOUT), until: deadline)
        case SSL_ERROR_ZERO_RETURN:
            return .endOfStream
        case SSL_ERROR_SYSCALL:
            broken = true
            ERR_clear_error()
            return .endOfStream
        default:
            broken = true
            return .failed("TLS: \(TLSErrorQueue.drain())")
        }
        if case .done = waited { return nil }
        return waited
    }
}
