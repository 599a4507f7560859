import DMRecord
import DMSystem
import Prometheus

/// The Prometheus text exposition of a pipeline's metrics, through swift-prometheus's
/// registry:
///
/// - dnsmonster's metrics as gauges named `dnsmonster_<serverName>_<metric>`, as dnsmonster's
///   exporter names them (`dnsmonster_default_packetsCaptured`);
/// - every stage counter as a counter `<stage>_<counter>_total` with a `lane` label
///   (`dm_parse_udp_messages_total{lane="0"}`), list sizes as gauges (`dm_filter_skip_list_entries`).
///
/// Stage counters are totals; the registry's counters only grow, so each is moved on by its
/// increase since the last scrape.
public final class PrometheusExposition: @unchecked Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let prefix: String
    private let lock = ThreadLock()
    private var gauges: [String: Gauge] = [:]
    private var counters: [String: (counter: Counter, value: Double)] = [:]

    public init(serverName: String) {
        self.prefix = "dnsmonster_" + MetricsEndpoint.sanitized(serverName) + "_"
    }

    /// The exposition of `metrics`, after updating the registry with them.
    public func render(_ metrics: [Metric]) -> [UInt8] {
        self.lock.withLock {
            for metric in metrics {
                guard metric.stage != nil else {
                    self.gauge(self.prefix + metric.name, labels: [], help: "dnsmonster's \(metric.name)").set(metric.value)
                    continue
                }
                let help = "\(metric.stage!) counter \(metric.counter!), per lane"
                for (lane, value) in metric.lanes {
                    let labels = [("lane", String(lane))]
                    switch metric.kind {
                    case .gauge:
                        self.gauge(metric.name, labels: labels, help: help).set(value)
                    case .counter:
                        self.advance(metric.name, labels: labels, help: help, to: value)
                    }
                }
            }
            return self.registry.emitToBuffer()
        }
    }

    private func gauge(_ name: String, labels: [(String, String)], help: String) -> Gauge {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        if let gauge = self.gauges[key] { return gauge }
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        let gauge = labels.isEmpty
            ? self.registry.makeGauge(descriptor: descriptor) : self.registry.makeGauge(descriptor: descriptor, labels: labels)
        self.gauges[key] = gauge
        return gauge
    }

    private func advance(_ name: String, labels: [(String, String)], help: String, to value: Double) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "total", helpText: help)
        var entry = self.counters[key] ?? (self.registry.makeCounter(descriptor: descriptor, labels: labels), 0)
        if value > entry.value {
            // Whole increases stay integers in the exposition.
            let increase = value - entry.value
            if increase.rounded() == increase && increase < 9e15 {
                entry.counter.increment(by: Int64(increase))
            } else {
                entry.counter.increment(by: increase)
            }
            entry.value = value
        }
        self.counters[key] = entry
    }
}
