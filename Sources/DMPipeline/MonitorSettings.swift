import DMConfiguration
import DMMetrics

/// The monitor's settings from the plan's `[metric]` options.
enum MonitorSettings {
    static func make(_ metrics: PipelinePlan.Metrics) throws(MetricsEndpointError) -> PipelineMonitor.Settings {
        let endpoint: MetricsEndpoint
        switch metrics.endpointType {
        case "statsd":
            endpoint = .statsd(agent: metrics.statsdAgent)
        case "prometheus":
            endpoint = .prometheus(try MetricsEndpoint.PrometheusAddress(parsing: metrics.prometheusEndpoint))
        default:
            endpoint = .stderr(StderrMetrics.Format(rawValue: metrics.stderrFormat) ?? .json)
        }
        return PipelineMonitor.Settings(
            endpoint: endpoint, flushIntervalNanoseconds: UInt64(max(0, metrics.flushIntervalNanoseconds)), serverName: metrics.serverName)
    }
}
