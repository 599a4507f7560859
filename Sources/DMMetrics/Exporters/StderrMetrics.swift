import DMRecord
import DMSystem

/// dnsmonster's stderr metrics: one line per flush, `<RFC 3339 time> metrics: ` and then the
/// registry as JSON (`{"name":{"count":N}}` for counters, `{"value":N}` for gauges, names
/// sorted as Go's encoder sorts map keys) or as `name=value` pairs (`--metricStderrFormat kv`).
public enum StderrMetrics {
    /// `--metricStderrFormat`.
    public enum Format: String, Sendable, CaseIterable {
        case json
        case kv
    }

    /// The line for `metrics` at `timeNanoseconds`, ending in a newline.
    public static func line(_ metrics: [Metric], format: Format, timeNanoseconds: UInt64) -> String {
        let sorted = metrics.sorted { $0.name < $1.name }
        var text = TimestampText.rfc3339(nanoseconds: timeNanoseconds) + " metrics: "
        switch format {
        case .json:
            text += "{"
            text += sorted.map { metric in
                "\"\(metric.name)\":{\"\(metric.kind == .counter ? "count" : "value")\":\(Self.number(metric.value))}"
            }.joined(separator: ",")
            text += "}"
        case .kv:
            text += sorted.map { "\($0.name)=\(Self.number($0.value))" }.joined(separator: " ")
        }
        return text + "\n"
    }

    /// A value as Go prints a float64 in JSON: integers without a fraction.
    static func number(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
