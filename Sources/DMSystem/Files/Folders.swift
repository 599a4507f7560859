#if canImport(Glibc)
import Glibc
#endif

/// Folders on the file system.
public enum Folders {
    /// Creates `path` and any missing folder above it (`mkdir -p`, Go's `os.MkdirAll`), each with
    /// `mode` before the umask; a folder that exists already is fine.
    /// - Throws: `SystemError` naming the first folder that could not be created, or a part of
    ///   the path that exists and is not a folder.
    public static func create(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, mode) == 0 { continue }
            let code = errno
            var status = stat()
            guard code == EEXIST, stat(prefix, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
                throw SystemError(code: code == EEXIST ? ENOTDIR : code, operation: "create the folder", object: prefix)
            }
        }
    }

    /// A new file with no name in the temporary folder (`$TMPDIR`, else /tmp), open for reading
    /// and writing: gone when its descriptor is closed.
    public static func openAnonymousFile() throws(SystemError) -> Int32 {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(folder)/dm-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw SystemError.current("create a temporary file in", folder) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        unlink(template)
        return fd
    }

    /// The folder part of `path` (`a/b` of `a/b/c`), or nil when it has none.
    public static func parent(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
