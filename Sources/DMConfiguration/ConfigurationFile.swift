import DMBytes
import DMSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing whole configuration files with plain system calls.
public enum ConfigurationFile {
    /// A file that could not be read or written, with the system's reason.
    public struct FileError: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Reads a whole file as UTF-8 text.
    public static func read(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        do {
            return String(decoding: try FileDescriptorIO.readToEnd(fd, object: path), as: UTF8.self)
        } catch {
            throw FileError(description: String(cString: strerror(error.code)))
        }
    }

    /// Writes `text` to `path` (created or truncated), or to standard output for `-`.
    public static func write(_ text: String, to path: String) throws {
        let fd = path == "-" ? 1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { if fd != 1 { close(fd) } }
        do {
            try Array(text.utf8).withByteView { (bytes) throws(SystemError) in try FileDescriptorIO.writeAll(fd, bytes, object: path) }
        } catch {
            throw FileError(description: "cannot write \(path): \(String(cString: strerror(error.code)))")
        }
    }
}
