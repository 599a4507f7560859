#if canImport(Glibc)
import Glibc
#endif

/// A socket address with its family, wrapping the sockaddr storage the calls need.
public struct SocketAddress {
    var storage: sockaddr_storage
    var length: socklen_t
    var family: Int32
    /// SOCK_STREAM or SOCK_DGRAM: what ``connect(object:)`` creates.
    public var socketType: Int32 = Int32(SOCK_STREAM.rawValue)

    /// A Unix socket path.
    public static func unix(_ path: String) throws(SystemError) -> SocketAddress {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw SystemError(code: ENAMETOOLONG, operation: "use socket path", object: path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        var storage = sockaddr_storage()
        withUnsafeBytes(of: &address) { source in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) }
        }
        return SocketAddress(storage: storage, length: socklen_t(MemoryLayout<sockaddr_un>.size), family: AF_UNIX)
    }

    /// The first address `host` resolves to, numeric or by name, for sockets of `socketType`.
    public static func resolve(
        host: String, port: UInt16, object: String, socketType: Int32 = Int32(SOCK_STREAM.rawValue)
    ) throws(SystemError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_socktype = socketType
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw SystemError(code: EHOSTUNREACH, operation: "resolve", object: "\(object) (\(String(cString: gai_strerror(status))))")
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) {
            $0.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return SocketAddress(storage: storage, length: first.pointee.ai_addrlen, family: first.pointee.ai_family, socketType: socketType)
    }

    private func makeSocket(object: String) throws(SystemError) -> Int32 {
        let fd = socket(self.family, self.socketType | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .current("create a socket for", object) }
        return fd
    }

    private func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>) -> T) -> T {
        var storage = self.storage
        return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body) }
    }

    /// Connects a new socket of ``socketType`` (a datagram socket is bound to its peer, so a
    /// refused datagram shows up as ECONNREFUSED on a later send).
    public func connect(object: String) throws(SystemError) -> Int32 {
        let fd = try self.makeSocket(object: object)
        let status = self.withSockaddr { Glibc.connect(fd, $0, self.length) }
        guard status == 0 else {
            let error = SystemError.current("connect to", object)
            close(fd)
            throw error
        }
        return fd
    }

    /// A new socket bound to this address (SO_REUSEADDR) and listening, for a server that
    /// accepts its connections itself.
    public func listen(backlog: Int32, object: String) throws(SystemError) -> Int32 {
        let listener = try self.makeSocket(object: object)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard self.withSockaddr({ bind(listener, $0, self.length) }) == 0 else {
            let error = SystemError.current("bind", object)
            close(listener)
            throw error
        }
        guard Glibc.listen(listener, backlog) == 0 else {
            let error = SystemError.current("listen on", object)
            close(listener)
            throw error
        }
        return listener
    }

    /// The local port of the bound IPv4 or IPv6 socket `fd` (the one the kernel chose for port 0).
    public static func localPort(of fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return nil }
        let family = Int32(storage.ss_family)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        // sin_port and sin6_port both sit at offset 2, in network order.
        return withUnsafeBytes(of: &storage) { UInt16($0[2]) << 8 | UInt16($0[3]) }
    }

    /// Listens, accepts one connection and closes the listener; an interrupted accept is
    /// retried unless `stop` is raised.
    public func listenAndAcceptOne(
        object: String, removingStaleSocket path: String?, stop: StopSignal = .process
    ) throws(SystemError) -> Int32 {
        if let path {
            var status = stat()
            if lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
        }
        let listener = try self.listen(backlog: 1, object: object)
        defer { close(listener) }
        switch retryingInterrupts(stop: stop, { accept(listener, nil, nil) }) {
        case .value(let fd):
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            if let path { unlink(path) }
            return fd
        case .interrupted:
            throw SystemError(code: EINTR, operation: "accept on", object: object)
        case .failed(let code):
            throw SystemError(code: code, operation: "accept on", object: object)
        }
    }
}
