#if canImport(Glibc)
import Glibc
#endif

/// Starting child processes without a shell, and the descriptors that connect them.
public enum ProcessSpawn {
    /// Starts `path` with `arguments`, `input` and `output` as its standard input and output,
    /// each `extra` descriptor moved to its target number, default dispositions for the
    /// signals a pipeline handles, an empty signal mask, in process group `group` (a new one
    /// when 0), and this process's environment.
    /// - Returns: the child's process ID.
    /// - Throws: `SystemError` naming `path` when `posix_spawn` fails.
    public static func spawn(
        _ path: String, arguments: [String], input: Int32, output: Int32, extra: [(source: Int32, target: Int32)],
        group: pid_t
    ) throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if input != 0 { posix_spawn_file_actions_adddup2(&actions, input, 0) }
        if output != 1 { posix_spawn_file_actions_adddup2(&actions, output, 1) }
        for (source, target) in extra { posix_spawn_file_actions_adddup2(&actions, source, target) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, group)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        // posix_spawn takes C strings it does not keep: copies live until it returns.
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard status == 0 else { throw SystemError(code: status, operation: "start", object: path) }
        return pid
    }

    /// A pipe whose two ends are closed on exec: (read end, write end).
    /// - Throws: `SystemError` for `object` when the pipe cannot be made.
    public static func makePipe(object: String) throws(SystemError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw .current("pipe for", object) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// A connected pair of Unix stream sockets, closed on exec.
    /// - Throws: `SystemError` for `object` when the pair cannot be made.
    public static func makeSocketPair(object: String) throws(SystemError) -> (Int32, Int32) {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw .current("socketpair for", object)
        }
        return (ends[0], ends[1])
    }

    /// Moves `fd` to the lowest free number at or above `minimum` (closed on exec) and closes
    /// the old number, so descriptors handed to a child by number are not overwritten by
    /// each other's moves.
    /// - Returns: the new descriptor.
    /// - Throws: `SystemError` for `object`; `fd` is closed either way.
    public static func moveAbove(_ fd: Int32, minimum: Int32, object: String) throws(SystemError) -> Int32 {
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, minimum)
        let error = SystemError.current("fcntl F_DUPFD for", object)
        close(fd)
        guard moved >= 0 else { throw error }
        return moved
    }

    /// Sets a socket's send or receive buffer size; the kernel may cap it.
    public static func setSocketBuffer(_ fd: Int32, receive: Bool, bytes: Int32) {
        var size = bytes
        _ = setsockopt(fd, SOL_SOCKET, receive ? SO_RCVBUF : SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
}
