#if canImport(Glibc)
import Glibc
#endif

/// A listening stream socket, on a Unix path or a TCP address, that accepts its connections
/// without waiting: the owner polls it with the connections it serves.
///
/// A Unix socket replaces a stale socket file at its path (never another kind of file), gets
/// the requested permissions, and removes its file when closed.
public final class ListeningSocket {
    /// The listening descriptor.
    public let descriptor: Int32
    /// The socket's name in messages: `unix:PATH` or `tcp:HOST:PORT`.
    public let name: String
    /// The Unix path this socket created, removed by ``close()``.
    private let unixPath: String?
    private var closed = false

    private init(descriptor: Int32, name: String, unixPath: String?) {
        self.descriptor = descriptor
        self.name = name
        self.unixPath = unixPath
        // Accepting never waits: a client that gave up between poll and accept leaves nothing.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { self.close() }

    /// Listens on the Unix socket `path` with the file mode `permissions` (e.g. 0o755).
    /// - Throws: ``SystemError`` when `path` exists and is no socket, or binding fails.
    public static func unix(path: String, permissions: UInt32, backlog: Int32 = 1024) throws(SystemError) -> ListeningSocket {
        var status = stat()
        if lstat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFSOCK else {
                throw SystemError(code: EEXIST, operation: "listen on (the path exists and is no socket)", object: path)
            }
            unlink(path)
        }
        let fd = try SocketAddress.unix(path).listen(backlog: backlog, object: path)
        guard chmod(path, mode_t(permissions)) == 0 else {
            let error = SystemError.current("set the permissions of", path)
            Glibc.close(fd)
            unlink(path)
            throw error
        }
        return ListeningSocket(descriptor: fd, name: "unix:\(path)", unixPath: path)
    }

    /// Listens on TCP `host`:`port` (port 0: one the kernel picks, see ``localPort``).
    public static func tcp(host: String, port: UInt16, backlog: Int32 = 1024) throws(SystemError) -> ListeningSocket {
        let object = "\(host):\(port)"
        let fd = try SocketAddress.resolve(host: host, port: port, object: object).listen(backlog: backlog, object: object)
        let listener = ListeningSocket(descriptor: fd, name: "tcp:\(host):\(port)", unixPath: nil)
        return listener
    }

    /// The bound TCP port; nil for a Unix socket.
    public var localPort: UInt16? { SocketAddress.localPort(of: self.descriptor) }

    /// Accepts a waiting connection, named `peer` in messages, whose sends wait at most
    /// `sendTimeoutNanoseconds`; nil when none is waiting (or the client left already).
    /// - Throws: ``SystemError`` for failures other than those, such as running out of
    ///   descriptors (EMFILE).
    public func accept(peer: String, sendTimeoutNanoseconds: UInt64) throws(SystemError) -> StreamSocket? {
        switch retryingInterrupts({ Glibc.accept(self.descriptor, nil, nil) }) {
        case .value(let fd):
            // Glibc's module does not export accept4; nothing is spawned between the two calls.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let connection = StreamSocket(descriptor: fd, peer: peer)
            connection.setTimeout(nanoseconds: sendTimeoutNanoseconds)
            return connection
        case .interrupted:
            return nil
        case .failed(let code):
            if code == EAGAIN || code == EWOULDBLOCK || code == ECONNABORTED || code == EPROTO { return nil }
            throw SystemError(code: code, operation: "accept on", object: self.name)
        }
    }

    /// Stops listening and removes the Unix socket file.
    public func close() {
        guard !self.closed else { return }
        self.closed = true
        Glibc.close(self.descriptor)
        if let path = self.unixPath { unlink(path) }
    }
}

/// Waits on a set of descriptors until some are readable, reusing one poll(2) array.
public struct ReadinessPoll {
    private var entries: [pollfd] = []

    /// An empty set.
    public init() {}

    /// Replaces the watched descriptors (polled for input, hang-up and errors).
    public mutating func watch(_ descriptors: some Collection<Int32>) {
        self.entries.removeAll(keepingCapacity: true)
        for fd in descriptors { self.entries.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
    }

    /// What a wait came to.
    public enum Outcome: Equatable, Sendable {
        /// Some descriptors are ready: ask ``isReady(_:)``.
        case ready
        /// The time passed with none ready.
        case timedOut
        /// A signal interrupted the wait while `stop` was raised.
        case interrupted
    }

    /// Waits up to `milliseconds` (0: just looks) for any watched descriptor.
    public mutating func wait(milliseconds: Int32, stop: StopSignal) throws(SystemError) -> Outcome {
        let count = nfds_t(self.entries.count)
        switch retryingInterrupts(stop: stop, { self.entries.withUnsafeMutableBufferPointer { poll($0.baseAddress, count, milliseconds) } }) {
        case .value(let ready): return ready > 0 ? .ready : .timedOut
        case .interrupted: return .interrupted
        case .failed(let code): throw SystemError(code: code, operation: "poll", object: "\(count) sockets")
        }
    }

    /// Whether the descriptor at `index` (in the order given to ``watch(_:)``) has input, hung
    /// up or failed, after a wait that came to ``Outcome/ready``.
    public func isReady(_ index: Int) -> Bool { self.entries[index].revents != 0 }
}
