import Foundation

/// Small text files the commands read and write: signed notes, verifier keys, bundles, config.
enum TextFile {
    /// Notes, keys and configuration are small; a larger file is refused rather than read.
    static let maximumBytes = 1 << 20

    /// Reads a UTF-8 file of at most `maximumBytes`; `what` names it in errors.
    static func read(_ path: String, what: String) throws -> String {
        String(decoding: try readBytes(path, what: what), as: UTF8.self)
    }

    static func readBytes(_ path: String, what: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CommandFailure("cannot read the \(what) \(path): no such file, or not readable")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
        } catch {
            throw CommandFailure("cannot read the \(what) \(path): \(error.localizedDescription)")
        }
        guard data.count <= maximumBytes else {
            throw CommandFailure("the \(what) \(path) is larger than \(maximumBytes >> 20) MiB; it cannot be one")
        }
        let bytes = [UInt8](data)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw CommandFailure("the \(what) \(path) is not UTF-8 text")
        }
        return bytes
    }

    /// Writes `bytes` to `path` through a temporary file renamed into place, so a reader sees
    /// the old file or the whole new one, never a part. The file is readable by all (mode 0644):
    /// only public material (notes, verifier keys, bundles) goes through here.
    static func write(_ bytes: [UInt8], to path: String, what: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CommandFailure("cannot write the \(what) to \(path): \(error.localizedDescription)")
        }
    }

    static func write(_ text: String, to path: String, what: String) throws {
        try write(Array(text.utf8), to: path, what: what)
    }
}
