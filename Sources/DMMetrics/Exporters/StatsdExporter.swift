import DMBytes
import DMRecord
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Sends metrics to a statsd agent over UDP (`--metricStatsdAgent host:port`): gauges as
/// `name:value|g`, counters as their increase since the last flush, `name:delta|c`, several
/// lines per datagram up to a size that crosses any link unfragmented. Names are
/// `dnsmonster.<serverName>.<metric>`.
///
/// UDP gives no delivery report; a send the kernel refuses (no agent listening on a local
/// port) is counted in ``failedDatagrams`` and reported once.
public final class StatsdExporter {
    /// Bytes of one datagram at most (a 1500-byte MTU less IPv6 and UDP headers, with room).
    public static let datagramBytes = 1400

    public let agent: String
    private let socket: Int32
    private let prefix: String
    /// The counter values sent last, to send their increase.
    private var lastCounters: [String: Double] = [:]
    public private(set) var sentDatagrams: UInt64 = 0
    public private(set) var failedDatagrams: UInt64 = 0
    private let warn: (String) -> Void
    private var warned = false

    /// A UDP socket bound to `agent` (`host:port`, `[v6]:port`).
    public init(agent: String, serverName: String, warn: @escaping (String) -> Void) throws(MetricsEndpointError) {
        let (host, port) = try MetricsEndpoint.hostAndPort(agent, option: "metricStatsdAgent")
        do {
            let address = try SocketAddress.resolve(host: host, port: port, object: agent, socketType: Int32(SOCK_DGRAM.rawValue))
            self.socket = try address.connect(object: "statsd agent \(agent)")
        } catch {
            throw .unreachable(option: "metricStatsdAgent", value: agent, reason: "\(error)")
        }
        self.agent = agent
        self.prefix = "dnsmonster." + MetricsEndpoint.sanitized(serverName) + "."
        self.warn = warn
    }

    deinit { close(self.socket) }

    /// The lines one flush sends for `metrics` (counters that did not grow are left out).
    public func lines(_ metrics: [Metric]) -> [String] {
        var lines: [String] = []
        for metric in metrics {
            switch metric.kind {
            case .gauge:
                lines.append("\(self.prefix)\(metric.name):\(StderrMetrics.number(metric.value))|g")
            case .counter:
                let increase = metric.value - (self.lastCounters[metric.name] ?? 0)
                self.lastCounters[metric.name] = metric.value
                if increase != 0 { lines.append("\(self.prefix)\(metric.name):\(StderrMetrics.number(increase))|c") }
            }
        }
        return lines
    }

    /// Sends one flush of `metrics`.
    public func send(_ metrics: [Metric]) {
        var datagram: [UInt8] = []
        func sendDatagram() {
            guard !datagram.isEmpty else { return }
            let outcome = datagram.withByteView { bytes in
                Result { () throws(SystemError) in try FileDescriptorIO.send(self.socket, bytes, object: "statsd agent \(self.agent)") }
            }
            switch outcome {
            case .success(let sent) where sent == datagram.count:
                self.sentDatagrams &+= 1
            case .success, .failure:
                self.failedDatagrams &+= 1
                if !self.warned {
                    self.warned = true
                    let reason = if case .failure(let error) = outcome { String(cString: strerror(error.code)) } else { "datagram cut short" }
                    self.warn("statsd agent \(self.agent): \(reason); metrics are counted as failed (statsd_failed_datagrams) until it answers")
                }
            }
            datagram.removeAll(keepingCapacity: true)
        }
        for line in self.lines(metrics) {
            let bytes = Array(line.utf8)
            if !datagram.isEmpty && datagram.count + 1 + bytes.count > Self.datagramBytes { sendDatagram() }
            if !datagram.isEmpty { datagram.append(0x0A) }
            datagram += bytes
        }
        sendDatagram()
    }
}
