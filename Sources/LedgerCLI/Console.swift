import Foundation

/// Where a command writes: buffered standard output and error, or memory in tests.
///
/// Output is buffered and written in large chunks, so `export` and `log` over millions of events
/// do not make a system call per line.
public final class Console {
    private let writeOut: ([UInt8]) -> Void
    private let writeErr: ([UInt8]) -> Void
    private var buffer: [UInt8] = []
    /// Whether standard error is a terminal: progress bars are drawn only then.
    public let errorIsTerminal: Bool
    public let outputIsTerminal: Bool
    /// Standard input's bytes, read on first use.
    let readInput: () throws -> [UInt8]

    public init(writeOut: @escaping ([UInt8]) -> Void, writeErr: @escaping ([UInt8]) -> Void,
                readInput: @escaping () throws -> [UInt8], outputIsTerminal: Bool = false, errorIsTerminal: Bool = false) {
        self.writeOut = writeOut
        self.writeErr = writeErr
        self.readInput = readInput
        self.outputIsTerminal = outputIsTerminal
        self.errorIsTerminal = errorIsTerminal
    }

    /// The process's own standard streams.
    public static func standard() -> Console {
        Console(
            writeOut: { bytes in FileDescriptorWriter.writeAll(bytes, to: STDOUT_FILENO) },
            writeErr: { bytes in FileDescriptorWriter.writeAll(bytes, to: STDERR_FILENO) },
            readInput: { try FileHandle.standardInput.readToEnd().map { [UInt8]($0) } ?? [] },
            outputIsTerminal: isatty(STDOUT_FILENO) == 1,
            errorIsTerminal: isatty(STDERR_FILENO) == 1)
    }

    public func print(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends raw bytes and a newline (export lines, which are already UTF-8).
    func printBytes(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func error(_ line: String) {
        flush()
        writeErr(Array((line + "\n").utf8))
    }

    /// Draws a progress line on standard error, only when it is a terminal.
    func progress(_ label: String, done: Int64, total: Int64) {
        guard errorIsTerminal, total > 0 else { return }
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let percent = Int(fraction * 100)
        writeErr(Array("\r\(label) [\(bar)] \(percent)% \(done)/\(total)\(done >= total ? "\n" : "")".utf8))
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        writeOut(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

enum FileDescriptorWriter {
    /// Writes everything, retrying short writes and EINTR; gives up silently on a closed pipe
    /// (SIGPIPE is ignored by the CLI, so `oda-ledger log | head` ends quietly).
    static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}
