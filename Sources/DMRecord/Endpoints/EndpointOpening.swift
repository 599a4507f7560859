import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// An open descriptor for an endpoint, with the name errors use for it.
public struct OpenedEndpoint: Sendable {
    public var fileDescriptor: Int32
    public var name: String
    /// Whether the descriptor belongs to us (files, sockets) rather than being stdin/stdout.
    public var owned: Bool
}

extension Endpoint {
    /// Opens the endpoint to read a stream from it.
    public func openForReading() throws(SystemError) -> OpenedEndpoint {
        switch self {
        case .standardStream:
            return OpenedEndpoint(fileDescriptor: 0, name: "standard input", owned: false)
        case .inheritedDescriptor(let fd):
            return try Self.checkedInherited(fd, name: self.description)
        case .file(let path):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .current("open", path) }
            return OpenedEndpoint(fileDescriptor: fd, name: path, owned: true)
        default:
            return try self.openSocket()
        }
    }

    /// Opens the endpoint to write a stream to it; files are created or truncated.
    public func openForWriting() throws(SystemError) -> OpenedEndpoint {
        switch self {
        case .standardStream:
            return OpenedEndpoint(fileDescriptor: 1, name: "standard output", owned: false)
        case .inheritedDescriptor(let fd):
            return try Self.checkedInherited(fd, name: self.description)
        case .file(let path):
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .current("create", path) }
            return OpenedEndpoint(fileDescriptor: fd, name: path, owned: true)
        default:
            return try self.openSocket()
        }
    }

    /// An inherited descriptor, owned from now on (closing it is how the stream ends).
    private static func checkedInherited(_ fd: Int32, name: String) throws(SystemError) -> OpenedEndpoint {
        guard fcntl(fd, F_GETFD) >= 0 else { throw .current("use", name + " (not an open descriptor of this process)") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return OpenedEndpoint(fileDescriptor: fd, name: name, owned: true)
    }

    private func openSocket() throws(SystemError) -> OpenedEndpoint {
        let name = self.description
        switch self {
        case .unixConnect(let path):
            let fd = try SocketAddress.unix(path).connect(object: name)
            return OpenedEndpoint(fileDescriptor: fd, name: name, owned: true)
        case .unixListen(let path):
            let fd = try SocketAddress.unix(path).listenAndAcceptOne(object: name, removingStaleSocket: path)
            return OpenedEndpoint(fileDescriptor: fd, name: name, owned: true)
        case .tcpConnect(let host, let port):
            let fd = try SocketAddress.resolve(host: host, port: port, object: name).connect(object: name)
            return OpenedEndpoint(fileDescriptor: fd, name: name, owned: true)
        case .tcpListen(let host, let port):
            let fd = try SocketAddress.resolve(host: host, port: port, object: name)
                .listenAndAcceptOne(object: name, removingStaleSocket: nil)
            return OpenedEndpoint(fileDescriptor: fd, name: name, owned: true)
        case .standardStream, .file, .inheritedDescriptor:
            preconditionFailure("not a socket endpoint")
        }
    }
}
