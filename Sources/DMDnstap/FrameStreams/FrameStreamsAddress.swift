import DMSystem

/// Where a Frame Streams server listens, as dnsmonster's `--dnstapSocket` names it:
/// `unix:///path` (or `unix:path`), `tcp://host:port` (also `tcp4://`, `tcp6://`, `[v6]:port`).
public enum FrameStreamsAddress: Hashable, Sendable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: UInt16)

    /// Parses an address.
    /// - Throws: ``FrameStreamsAddressError`` saying what the forms are.
    public init(parsing text: String) throws(FrameStreamsAddressError) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("unix:") {
            var path = String(text.dropFirst(5))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw FrameStreamsAddressError(text: text) }
            self = .unix(path: path)
            return
        }
        for scheme in ["tcp://", "tcp4://", "tcp6://", "tcp:"] where lowered.hasPrefix(scheme) {
            let rest = String(text.dropFirst(scheme.count))
            guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]) else {
                throw FrameStreamsAddressError(text: text)
            }
            var host = String(rest[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self = .tcp(host: host.isEmpty ? "0.0.0.0" : host, port: port)
            return
        }
        throw FrameStreamsAddressError(text: text)
    }

    /// Listens here; a Unix socket gets `permissions` (e.g. 0o755).
    public func listen(permissions: UInt32) throws(SystemError) -> ListeningSocket {
        switch self {
        case .unix(let path): return try ListeningSocket.unix(path: path, permissions: permissions)
        case .tcp(let host, let port): return try ListeningSocket.tcp(host: host, port: port)
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix://\(path)"
        case .tcp(let host, let port): return host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        }
    }
}

/// A dnstap socket address in none of the accepted forms.
public struct FrameStreamsAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public var description: String {
        "\"\(self.text)\" is no dnstap socket address; use unix:///path/to.sock or tcp://host:port"
    }
}
