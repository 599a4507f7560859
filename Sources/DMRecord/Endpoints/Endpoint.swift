/// Where a stage reads or writes a stream, as written on its command line.
///
/// | text | meaning |
/// |---|---|
/// | `-` | standard input or output |
/// | `PATH`, `file:PATH` | a file (created or truncated for output) |
/// | `unix:PATH` | connect to a Unix stream socket |
/// | `unix-listen:PATH` | listen on a Unix stream socket and serve one connection |
/// | `tcp:HOST:PORT` | connect over TCP (`[v6]:PORT` for IPv6 literals) |
/// | `tcp-listen:HOST:PORT` | listen on TCP and serve one connection |
/// | `fd:N` | descriptor N, opened by the parent process (a supervisor's pipe or socket) |
public enum Endpoint: Hashable, Sendable, CustomStringConvertible {
    case standardStream
    case inheritedDescriptor(Int32)
    case file(String)
    case unixConnect(String)
    case unixListen(String)
    case tcpConnect(host: String, port: UInt16)
    case tcpListen(host: String, port: UInt16)

    /// The forms, for help texts and messages: every stage reads and writes the same ones.
    public static let forms = "- (standard input or output), PATH, fd:N (a descriptor the parent opened), unix:PATH, unix-listen:PATH, tcp:HOST:PORT, tcp-listen:HOST:PORT"

    /// Parses the command-line form; the error names the text and the accepted forms.
    public init(parsing text: String) throws(EndpointError) {
        if text == "-" {
            self = .standardStream
        } else if let number = text.dropPrefix("fd:") {
            guard let fd = Int32(number), fd >= 0 else {
                throw EndpointError(text: text, reason: "expected a descriptor number after fd:")
            }
            self = .inheritedDescriptor(fd)
        } else if let path = text.dropPrefix("file:") {
            self = .file(path)
        } else if let path = text.dropPrefix("unix-listen:") {
            guard !path.isEmpty else { throw EndpointError(text: text, reason: "the socket path is empty") }
            self = .unixListen(path)
        } else if let path = text.dropPrefix("unix:") {
            guard !path.isEmpty else { throw EndpointError(text: text, reason: "the socket path is empty") }
            self = .unixConnect(path)
        } else if let rest = text.dropPrefix("tcp-listen:") {
            let (host, port) = try Endpoint.hostAndPort(rest, text: text)
            self = .tcpListen(host: host, port: port)
        } else if let rest = text.dropPrefix("tcp:") {
            let (host, port) = try Endpoint.hostAndPort(rest, text: text)
            self = .tcpConnect(host: host, port: port)
        } else {
            guard !text.isEmpty else { throw EndpointError(text: text, reason: "it is empty") }
            self = .file(text)
        }
    }

    private static func hostAndPort(_ rest: String, text: String) throws(EndpointError) -> (String, UInt16) {
        guard let colon = rest.lastIndex(of: ":") else {
            throw EndpointError(text: text, reason: "expected HOST:PORT after the scheme")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = UInt16(rest[rest.index(after: colon)...]), port > 0 else {
            throw EndpointError(text: text, reason: "the port must be a number from 1 to 65535")
        }
        guard !host.isEmpty else { throw EndpointError(text: text, reason: "the host is empty") }
        return (host, port)
    }

    public var description: String {
        switch self {
        case .standardStream: return "-"
        case .inheritedDescriptor(let fd): return "fd:\(fd)"
        case .file(let path): return path
        case .unixConnect(let path): return "unix:\(path)"
        case .unixListen(let path): return "unix-listen:\(path)"
        case .tcpConnect(let host, let port): return "tcp:\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .tcpListen(let host, let port): return "tcp-listen:\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }
    }
}

/// An endpoint that could not be parsed or opened.
public struct EndpointError: Error, Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String {
        "'\(self.text)': \(self.reason) (endpoints: \(Endpoint.forms))"
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> String? {
        self.hasPrefix(prefix) ? String(self.dropFirst(prefix.count)) : nil
    }
}
