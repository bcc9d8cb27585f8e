#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that hold secrets (private keys), written and read with the care `ssh` takes.
///
/// Writing never replaces an existing file and never follows a symbolic link, and the new
/// file is private to its owner whatever the umask. Reading refuses a file that other users
/// could see or change, naming the file, its mode and the command that fixes it.
public enum KeyFile {
    /// Secrets are small; a larger file is refused rather than read into memory.
    public static let maximumSecretSize = 64 * 1024

    /// Creates `path` with `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600, writes `contents`, and
    /// flushes both the file and its directory to disk (`fsync`), so a key reported as
    /// written survives a crash. The mode is set with `fchmod` after creation: exactly 0600,
    /// which no umask can widen or narrow.
    ///
    /// Refuses to overwrite anything already at `path` (a file, a directory, a symbolic link,
    /// even a dangling one). If any step after creation fails, the partly written file is
    /// removed again, so a failed call leaves nothing behind.
    public static func writeNew(_ contents: String, to path: String) throws(CryptoError) {
        guard !path.isEmpty else { throw .keyFile(path: path, reason: "no path given") }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST {
                throw .keyFile(
                    path: path,
                    reason: "already exists; refusing to overwrite a key file (move it away first if it is to be replaced)")
            }
            throw .keyFile(path: path, reason: "cannot create it: \(describe(code))")
        }

        var isOpen = true
        var written = false
        defer {
            if isOpen { _ = close(descriptor) }
            if !written { _ = unlink(path) }
        }
        guard fchmod(descriptor, 0o600) == 0 else {
            throw .keyFile(path: path, reason: "cannot set mode 0600: \(describe(errno))")
        }
        if let reason = writeAll(Array(contents.utf8), to: descriptor) {
            throw .keyFile(path: path, reason: "cannot write it: \(reason)")
        }
        guard fsync(descriptor) == 0 else {
            throw .keyFile(path: path, reason: "cannot flush it to disk (fsync): \(describe(errno))")
        }
        isOpen = false
        guard close(descriptor) == 0 else {
            throw .keyFile(path: path, reason: "cannot close it: \(describe(errno))")
        }
        if let reason = syncDirectory(containing: path) {
            throw .keyFile(path: path, reason: reason)
        }
        written = true
    }

    /// Reads a secret written by `writeNew` (or by hand). Refuses a file whose mode gives
    /// group or others any access (mode & 0o077 ≠ 0, the rule `ssh` applies to private keys),
    /// anything that is not a regular file, a file larger than `maximumSecretSize`, and
    /// contents that are not UTF-8. Symbolic links are followed (secret mounts use them);
    /// the checks apply to the file actually opened.
    public static func readSecret(at path: String) throws(CryptoError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .keyFile(path: path, reason: "cannot open it: \(describe(errno))")
        }
        defer { _ = close(descriptor) }

        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw .keyFile(path: path, reason: "cannot stat it: \(describe(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .keyFile(path: path, reason: "is not a regular file")
        }
        let permissions = info.st_mode & 0o7777
        guard permissions & 0o077 == 0 else {
            let octal = String(permissions, radix: 8)
            let mode = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
            throw .keyFile(
                path: path,
                reason: "mode \(mode) lets group or others access this secret; "
                    + "it must be readable by its owner only: run `chmod 600 \(path)`")
        }
        guard Int(info.st_size) <= maximumSecretSize else {
            throw .keyFile(path: path, reason: "is \(info.st_size) bytes; a secret file may hold at most \(maximumSecretSize)")
        }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .keyFile(path: path, reason: "cannot read it: \(describe(errno))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            guard bytes.count <= maximumSecretSize else {
                throw .keyFile(path: path, reason: "grew beyond \(maximumSecretSize) bytes while being read")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .keyFile(path: path, reason: "is not UTF-8 text")
        }
        return text
    }

    /// Writes every byte, retrying short writes and interruptions; nil on success.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> String? {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                return describe(errno)
            }
            offset += count
        }
        return nil
    }

    /// Flushes the directory entry of a newly created file; nil on success.
    private static func syncDirectory(containing path: String) -> String? {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return "cannot open its directory \(directory) to flush it: \(describe(errno))" }
        defer { _ = close(descriptor) }
        guard fsync(descriptor) == 0 else {
            return "cannot flush its directory \(directory) to disk (fsync): \(describe(errno))"
        }
        return nil
    }

    private static func describe(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
