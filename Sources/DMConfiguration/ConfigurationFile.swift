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
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 { data += chunk[0..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw FileError(description: String(cString: strerror(errno))) }
            break
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `text` to `path` (created or truncated), or to standard output for `-`.
    public static func write(_ text: String, to path: String) throws {
        let fd = path == "-" ? 1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { if fd != 1 { close(fd) } }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw FileError(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
            bytes = bytes.dropFirst(count)
        }
    }
}
