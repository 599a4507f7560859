import DMRecord
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Where syslog messages go: `udp://HOST[:PORT]`, `tcp://HOST[:PORT]` (port 514 by default;
/// `[v6]` brackets for IPv6 literals), or `unix:///dev/log` / `unix:PATH` (a datagram socket,
/// or a stream socket when the path is one).
public enum SyslogAddress: Hashable, Sendable, CustomStringConvertible {
    case udp(host: String, port: UInt16)
    case tcp(host: String, port: UInt16)
    case unix(path: String)

    /// Parses a `--syslog` value.
    public init(parsing text: String) throws(SinkError) {
        func hostAndPort(_ rest: Substring) throws(SinkError) -> (String, UInt16) {
            var host = rest
            var port: UInt16 = 514
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else {
                    throw .invalidAddress(text, reason: "an IPv6 literal needs a closing ']'")
                }
                host = rest[rest.index(after: rest.startIndex)..<close]
                let after = rest[rest.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":"), let number = UInt16(after.dropFirst()), number > 0 else {
                        throw .invalidAddress(text, reason: "expected [HOST]:PORT")
                    }
                    port = number
                }
            } else if let colon = rest.lastIndex(of: ":") {
                guard let number = UInt16(rest[rest.index(after: colon)...]), number > 0 else {
                    throw .invalidAddress(text, reason: "the port must be a number from 1 to 65535")
                }
                host = rest[..<colon]
                port = number
            }
            guard !host.isEmpty else { throw .invalidAddress(text, reason: "no host") }
            return (String(host), port)
        }
        if text.hasPrefix("udp://") {
            let (host, port) = try hostAndPort(text.dropFirst(6))
            self = .udp(host: host, port: port)
        } else if text.hasPrefix("tcp://") {
            let (host, port) = try hostAndPort(text.dropFirst(6))
            self = .tcp(host: host, port: port)
        } else if text.hasPrefix("unix://") || text.hasPrefix("unix:") {
            let path = String(text.dropFirst(text.hasPrefix("unix://") ? 7 : 5))
            guard path.hasPrefix("/") else { throw .invalidAddress(text, reason: "a Unix socket path must be absolute") }
            self = .unix(path: path)
        } else {
            throw .invalidAddress(text, reason: "expected udp://HOST[:PORT], tcp://HOST[:PORT] or unix:///PATH")
        }
    }

    public var description: String {
        switch self {
        case .udp(let host, let port): return "udp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .tcp(let host, let port): return "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .unix(let path): return "unix://\(path)"
        }
    }

    /// Whether messages travel as a byte stream and need framing.
    public var isStream: Bool {
        if case .tcp = self { return true }
        return false
    }

    /// Opens a connected socket. A Unix path that refuses datagrams is tried as a stream;
    /// `stream` tells which one was made.
    func connect() throws(SystemError) -> (fd: Int32, stream: Bool) {
        let datagram = Int32(SOCK_DGRAM.rawValue), streamType = Int32(SOCK_STREAM.rawValue)
        switch self {
        case .udp(let host, let port):
            return (try SocketAddress.resolve(host: host, port: port, object: self.description, socketType: datagram)
                .connect(object: self.description), false)
        case .tcp(let host, let port):
            return (try SocketAddress.resolve(host: host, port: port, object: self.description, socketType: streamType)
                .connect(object: self.description), true)
        case .unix(let path):
            var address = try SocketAddress.unix(path)
            address.socketType = datagram
            do {
                return (try address.connect(object: self.description), false)
            } catch where error.code == EPROTOTYPE {
                address.socketType = streamType
                return (try address.connect(object: self.description), true)
            }
        }
    }
}
