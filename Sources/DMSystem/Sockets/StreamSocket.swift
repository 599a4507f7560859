import DMBytes

#if canImport(Glibc)
import Glibc
#endif

/// A connected TCP (or Unix stream) socket whose every wait is bounded: connecting, sending
/// and receiving each give up after their timeout with ETIMEDOUT, so a peer that accepts and
/// never answers cannot hang its caller.
public final class StreamSocket {
    /// The descriptor; -1 once closed.
    public private(set) var descriptor: Int32
    /// The peer as the user named it, for messages.
    public let peer: String

    /// Wraps a connected descriptor it then owns (``ListeningSocket/accept()`` makes these).
    init(descriptor: Int32, peer: String) {
        self.descriptor = descriptor
        self.peer = peer
    }

    deinit { self.close() }

    /// Connects to `address`, waiting at most `timeoutNanoseconds` for the handshake; sends
    /// and receives then wait at most `ioTimeoutNanoseconds` each.
    /// - Throws: `SystemError` naming `peer` (ETIMEDOUT when the handshake took too long).
    public static func connect(
        to address: SocketAddress, peer: String, timeoutNanoseconds: UInt64, ioTimeoutNanoseconds: UInt64
    ) throws(SystemError) -> StreamSocket {
        let fd = socket(address.family, address.socketType | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .current("create a socket for", peer) }
        let connection = StreamSocket(descriptor: fd, peer: peer)
        var storage = address.storage
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        if status != 0 {
            guard errno == EINPROGRESS else { throw .current("connect to", peer) }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let deadline = WallClock.monotonicNanoseconds() &+ timeoutNanoseconds
            while true {
                let now = WallClock.monotonicNanoseconds()
                guard now < deadline else { throw SystemError(code: ETIMEDOUT, operation: "connect to", object: peer) }
                let ready = poll(&descriptor, 1, Int32(min((deadline - now) / 1_000_000 + 1, 60_000)))
                if ready > 0 { break }
                if ready < 0 && errno != EINTR { throw .current("connect to", peer) }
            }
            let pending = FileDescriptorIO.takePendingSocketError(fd)
            guard pending == 0 else { throw SystemError(code: pending, operation: "connect to", object: peer) }
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~Int32(O_NONBLOCK))
        if address.family == AF_INET || address.family == AF_INET6 {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        connection.setTimeout(nanoseconds: ioTimeoutNanoseconds)
        return connection
    }

    /// Sets how long each later send or receive may wait.
    public func setTimeout(nanoseconds: UInt64) {
        var timeout = timeval(tv_sec: Int(nanoseconds / 1_000_000_000), tv_usec: Int(nanoseconds % 1_000_000_000 / 1000))
        setsockopt(self.descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(self.descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends all of `bytes`, retrying short sends.
    /// - Throws: `SystemError` (ETIMEDOUT when the peer took nothing for the I/O timeout).
    public func sendAll(_ bytes: ByteView) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let rest = bytes.subview(from: offset)
            switch retryingInterrupts({ rest.withUnsafeBytes { Glibc.send(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }) {
            case .value(let count): offset += count
            case .interrupted: continue
            case .failed(let code):
                throw SystemError(code: code == EAGAIN ? ETIMEDOUT : code, operation: "send to", object: self.peer)
            }
        }
    }

    /// Receives at most `buffer.count` bytes; 0 when the peer closed the connection.
    /// - Throws: `SystemError` (ETIMEDOUT when nothing came for the I/O timeout).
    public func receive(into buffer: MutableByteView) throws(SystemError) -> Int {
        switch retryingInterrupts({ buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) } }) {
        case .value(let count): return count
        case .interrupted: return 0
        case .failed(let code):
            throw SystemError(code: code == EAGAIN ? ETIMEDOUT : code, operation: "wait for an answer from", object: self.peer)
        }
    }

    /// Shuts both directions down: a send or receive another thread is blocked in returns.
    public func shutdown() {
        if self.descriptor >= 0 { _ = Glibc.shutdown(self.descriptor, Int32(SHUT_RDWR)) }
    }

    /// Closes the socket; later calls fail with EBADF.
    public func close() {
        if self.descriptor >= 0 {
            Glibc.close(self.descriptor)
            self.descriptor = -1
        }
    }
}
