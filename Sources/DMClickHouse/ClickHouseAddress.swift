/// A server address as `--clickhouseAddress` gives it: `host:port`, `[v6]:port`, or a host
/// alone (port 9000, or 9440 with TLS).
public struct ClickHouseAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    /// Parses `text`.
    /// - Throws: a message naming what is wrong.
    public init(parsing text: String, defaultPort: UInt16 = 9000) throws(AddressError) {
        var host = Substring(text)
        var port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw AddressError(text: text, reason: "an IPv6 address needs its closing ]") }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = UInt16(rest.dropFirst()), number > 0 else {
                    throw AddressError(text: text, reason: "the port after ] must be :1-65535")
                }
                port = number
            }
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            guard let number = UInt16(host[host.index(after: colon)...]), number > 0 else {
                throw AddressError(text: text, reason: "the port must be 1-65535")
            }
            port = number
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw AddressError(text: text, reason: "no host") }
        self.host = String(host)
        self.port = port
    }

    public var description: String { self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)" }

    /// Why an address cannot be used.
    public struct AddressError: Error, Hashable, Sendable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "'\(self.text)': \(self.reason)" }
    }
}
