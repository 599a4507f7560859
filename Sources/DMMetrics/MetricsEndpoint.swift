/// Where dnsmonster's metrics go (`--metricEndpointType` and the option of that endpoint).
public enum MetricsEndpoint: Sendable, Equatable {
    /// A line on standard error per flush.
    case stderr(StderrMetrics.Format)
    /// UDP datagrams to a statsd agent, `host:port`.
    case statsd(agent: String)
    /// A Prometheus text exposition served over HTTP at `path` on `host:port`.
    case prometheus(PrometheusAddress)

    /// `--metricPrometheusEndpoint`: dnsmonster's `http://0.0.0.0:2112/metric`, or without the
    /// scheme; the path defaults to `/metrics`.
    public struct PrometheusAddress: Sendable, Equatable {
        public var host: String
        public var port: UInt16
        public var path: String

        public init(host: String, port: UInt16, path: String) {
            self.host = host
            self.port = port
            self.path = path
        }

        public init(parsing text: String) throws(MetricsEndpointError) {
            var rest = Substring(text)
            if rest.hasPrefix("http://") {
                rest = rest.dropFirst("http://".count)
            } else if rest.contains("://") {
                throw .invalid(option: "metricPrometheusEndpoint", value: text, expected: "an http:// address such as http://0.0.0.0:2112/metrics (the exporter serves plain HTTP)")
            }
            var path = "/metrics"
            if let slash = rest.firstIndex(of: "/") {
                path = String(rest[slash...])
                rest = rest[..<slash]
            }
            let (host, port) = try MetricsEndpoint.hostAndPort(String(rest), option: "metricPrometheusEndpoint", allowsZero: true)
            self.init(host: host, port: port, path: path)
        }
    }

    /// `host:port` or `[v6]:port`; an empty host is every address (`:2112`).
    static func hostAndPort(_ text: String, option: String, allowsZero: Bool = false) throws(MetricsEndpointError) -> (host: String, port: UInt16) {
        let expected = "HOST:PORT, such as 127.0.0.1:8125 or [::1]:8125"
        guard let colon = text.lastIndex(of: ":") else { throw .invalid(option: option, value: text, expected: expected) }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = UInt16(text[text.index(after: colon)...]), port > 0 || allowsZero else {
            throw .invalid(option: option, value: text, expected: expected)
        }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// `name` with every character a metric name cannot hold as `_`.
    public static func sanitized(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }
}

/// A metrics option that cannot be used, named.
public enum MetricsEndpointError: Error, Equatable, CustomStringConvertible {
    case invalid(option: String, value: String, expected: String)
    case unreachable(option: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let option, let value, let expected):
            return "--\(option)=\(value): expected \(expected)"
        case .unreachable(let option, let value, let reason):
            return "--\(option)=\(value): \(reason)"
        }
    }
}
