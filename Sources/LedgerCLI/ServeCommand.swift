import Dispatch
import EventLog
import Foundation
import HTTP
import ODA
import Service

/// `oda-ledger serve`: the JSON API over HTTP(S) until SIGTERM or SIGINT.
enum ServeCommand: LedgerCommand {
    static let spec = CommandSpec(
        name: "serve",
        abstract: "Serve the JSON API (Schemas/openapi.json) until SIGTERM or SIGINT.",
        options: [
            dataOption,
            .init(name: "listen", value: "HOST:PORT", help: "Where to listen (default 127.0.0.1:8080; port 0 picks a free one)."),
            .init(name: "tls-cert", value: "FILE", help: "PEM certificate chain for HTTPS (with --tls-key)."),
            .init(name: "tls-key", value: "FILE", help: "PEM private key for HTTPS (with --tls-cert)."),
            .init(name: "allow-insecure-http", value: nil,
                  help: "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)."),
        ],
        discussion: """
            Plain HTTP is served only on loopback; elsewhere give --tls-cert and --tls-key (or, behind a proxy
            that terminates TLS, --allow-insecure-http). Users and their bearer
            tokens come from `oda-ledger user add`. One access log line per request goes to standard error
            (method, path without query, status, bytes, milliseconds, client); tokens never appear in it.
            On SIGTERM or SIGINT the server stops accepting, lets requests in flight finish (10 s), then exits.
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let directory = context.dataDirectory(arguments)
        let store = try context.openStoreForAppending(arguments)
        let users = try UserDirectory(dataDirectory: directory.path)
        let policy = ValidationPolicy(allowsSelfApproval: try LedgerConfig.load(directory).allowsSelfApproval)
        let service = LedgerService(store: store, users: users, validator: EventValidator(policy: policy), errorLog: { line in
            FileDescriptorWriter.writeAll(Array(("serve: error: " + line + "\n").utf8), to: STDERR_FILENO)
        })

        let (host, port) = try ServerConfiguration.parseListenAddress(arguments["listen"] ?? "127.0.0.1:8080")
        var tls: TLSConfiguration?
        switch (arguments["tls-cert"], arguments["tls-key"]) {
        case let (cert?, key?): tls = TLSConfiguration(certificateChainPath: cert, privateKeyPath: key)
        case (nil, nil): tls = nil
        default: throw UsageError(command: spec.name, message: "--tls-cert and --tls-key go together")
        }
        let console = context.console
        let configuration = ServerConfiguration(
            host: host, port: port, tls: tls, allowInsecure: arguments.flag("allow-insecure-http"),
            // Connection threads log concurrently: each line is one write(2) to standard error, which
            // the kernel keeps whole, rather than going through the (single-threaded) console.
            accessLog: { entry in FileDescriptorWriter.writeAll(accessLogBytes(entry), to: STDERR_FILENO) },
            diagnostics: { line in FileDescriptorWriter.writeAll(Array(("serve: " + line + "\n").utf8), to: STDERR_FILENO) })
        let server = try HTTPServer(configuration: configuration, deferringHandler: service.handle(_:deferral:))
        server.start()
        let schedule = try PopulationSchedule.start(store: store, directory: directory)
        console.error("serving \(tls == nil ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):\(server.port)/v1 from \(directory.path)")
        console.flush()

        // The signal sources run on their own queue; the main thread waits for shutdown to finish.
        let stopped = DispatchSemaphore(value: 0)
        let queue = DispatchQueue(label: "oda-ledger.serve.signals")
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                FileDescriptorWriter.writeAll(Array("serve: signal \(signalNumber), finishing requests in flight\n".utf8), to: STDERR_FILENO)
                server.shutdown(grace: .seconds(10))
                stopped.signal()
            }
            source.resume()
            sources.append(source)
        }
        stopped.wait()
        sources.forEach { $0.cancel() }
        schedule?.cancel()
        console.error("serve: stopped")
        return .success
    }

    /// One line per request: no query string (it might hold identifiers), no headers, so no token.
    static func accessLogLine(_ entry: AccessLogEntry) -> String {
        String(decoding: accessLogBytes(entry).dropLast(), as: UTF8.self)
    }

    /// ``accessLogLine(_:)`` with its newline, assembled straight into the bytes written: the
    /// string interpolation it replaces was a visible share of a cached read's cost.
    static func accessLogBytes(_ entry: AccessLogEntry) -> [UInt8] {
        // Tenths of a millisecond in integers: String(format:) was a visible share of a request's cost.
        let tenths = max(0, entry.duration.components.seconds * 10_000 + entry.duration.components.attoseconds / 100_000_000_000_000)
        var out: [UInt8] = []
        out.reserveCapacity(112 + entry.path.utf8.count)
        for part in ["access method=", entry.method, " path=", entry.path, " status=", String(entry.status),
                     " bytes=", String(entry.bytesSent), " ms=", String(tenths / 10), ".", String(tenths % 10),
                     " client=", entry.remoteAddress, entry.tls ? " tls=true\n" : " tls=false\n"] {
            out.append(contentsOf: part.utf8)
        }
        return out
    }
}
