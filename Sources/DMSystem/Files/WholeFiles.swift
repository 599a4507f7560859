import DMBytes

#if canImport(Glibc)
import Glibc
#endif

/// Files read or written whole: small state a process keeps across restarts (a sink's
/// spooled batches).
public enum WholeFiles {
    /// Writes `bytes` to `path` atomically: to `path.tmp`, then renamed over `path`, so a
    /// reader (or a restart after a crash) sees the whole file or none.
    /// - Throws: `SystemError` naming the file (ENOSPC on a full disk).
    public static func writeAtomically(_ bytes: ByteView, to path: String) throws(SystemError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .current("create", temporary) }
        let progress = FileDescriptorIO.writeUntilFailure(fd, bytes, object: temporary)
        let closed = close(fd)
        if let error = progress.error {
            unlink(temporary)
            throw error
        }
        guard closed == 0 else {
            let error = SystemError.current("write", temporary)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = SystemError.current("rename to \(path)", temporary)
            unlink(temporary)
            throw error
        }
    }

    /// Creates (or truncates) `path` for writing and returns its descriptor.
    public static func create(_ path: String) throws(SystemError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .current("create", path) }
        return fd
    }

    /// The contents of `path`.
    public static func read(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .current("open", path) }
        defer { close(fd) }
        return try FileDescriptorIO.readToEnd(fd, object: path)
    }

    /// Removes `path`; one that is gone already is fine.
    public static func remove(_ path: String) throws(SystemError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .current("remove", path) }
    }

    /// The names in `folder` (without `.` and `..`) with their sizes in bytes.
    public static func list(_ folder: String) throws(SystemError) -> [(name: String, size: Int)] {
        guard let directory = opendir(folder) else { throw .current("list", folder) }
        defer { closedir(directory) }
        var entries: [(name: String, size: Int)] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != "." && name != ".." else { continue }
            var status = stat()
            guard stat(folder + "/" + name, &status) == 0 else { continue }
            entries.append((name, Int(status.st_size)))
        }
        return entries
    }
}
