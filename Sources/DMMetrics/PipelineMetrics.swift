/// One value a metrics endpoint exports.
public struct Metric: Sendable, Equatable {
    /// A gauge is a level read as it is; a counter only grows (statsd sends its increase).
    public enum Kind: Sendable, Equatable {
        case gauge
        case counter
    }

    /// dnsmonster's name (`packetsCaptured`), or `<stage>_<counter>` for a stage's own
    /// counter (`dm_parse_udp_messages`).
    public var name: String
    public var kind: Kind
    public var value: Double
    /// The stage and counter a stage metric comes from; nil for dnsmonster's names.
    public var stage: String?
    public var counter: String?
    /// Per lane, for stage metrics of a pipeline with several lanes.
    public var lanes: [(lane: UInt16, value: Double)] = []

    public init(name: String, kind: Kind, value: Double, stage: String? = nil, counter: String? = nil) {
        self.name = name
        self.kind = kind
        self.value = value
        self.stage = stage
        self.counter = counter
    }

    public static func == (lhs: Metric, rhs: Metric) -> Bool {
        lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.value == rhs.value && lhs.stage == rhs.stage
            && lhs.lanes.map(\.lane) == rhs.lanes.map(\.lane) && lhs.lanes.map(\.value) == rhs.lanes.map(\.value)
    }
}

/// The metrics of a running pipeline: dnsmonster's own names, computed from the stages'
/// counters so dashboards built for dnsmonster keep working, then every counter of every
/// stage.
///
/// | dnsmonster metric | kind | from |
/// |---|---|---|
/// | packetsCaptured | gauge | packets the captures delivered plus those the kernel dropped (dnstap: frames) |
/// | packetsDropped | gauge | dm-capture kernel_dropped + interface_dropped |
/// | packetLossPercent | gauge | packetsDropped / packetsCaptured × 100 |
/// | packetsInvalid | gauge | dnstap: dm-capture decode_errors + without_dns_message + malformed_messages not kept |
/// | packetsDuplicate | counter | dm-filter duplicates |
/// | packetsOverRatio | counter | dm-capture sampled_out + dnstap_sampled_out + dm-filter sampled_out |
/// | decodingErrors | counter | dm-parse malformed_dns, malformed_ip, truncated_frames, tunnel_undecodable, malformed_packet_records |
/// | dispatchedPackets | counter | dm-out dns_records (records offered to the outputs) |
/// | <sink>SentToOutput, <sink>Skipped, <sink>Failed | counter | dm-out <sink>_written, _skipped, _failed (stdout, file, syslog) |
public enum PipelineMetrics {
    /// dnsmonster's metrics, then each stage's counters.
    public static func metrics(_ statistics: PipelineStatistics) -> [Metric] {
        self.dnsmonsterMetrics(statistics) + self.stageMetrics(statistics)
    }

    /// The metrics dnsmonster itself exports, by its names.
    public static func dnsmonsterMetrics(_ s: PipelineStatistics) -> [Metric] {
        let account = PipelineAccount(s)
        func metric(_ name: String, _ kind: Metric.Kind, _ value: UInt64) -> Metric {
            Metric(name: name, kind: kind, value: Double(value))
        }
        var metrics = [
            metric("packetsCaptured", .gauge, account.captured),
            metric("packetsDropped", .gauge, account.kernelDropped),
            Metric(
                name: "packetLossPercent", kind: .gauge,
                value: account.captured == 0 ? 0 : Double(account.kernelDropped) / Double(account.captured) * 100),
            metric("packetsInvalid", .gauge, account.dnstapInvalid),
            metric("packetsDuplicate", .counter, s.sum("dm-filter", "duplicates")),
            metric("packetsOverRatio", .counter, s.sum("dm-capture", ["sampled_out", "dnstap_sampled_out"]) &+ s.sum("dm-filter", "sampled_out")),
            metric("decodingErrors", .counter, s.sum("dm-parse", ["malformed_dns", "malformed_ip", "truncated_frames", "tunnel_undecodable", "malformed_packet_records"])),
            metric("dispatchedPackets", .counter, s.sum("dm-out", "dns_records")),
        ]
        for sink in account.sinks {
            metrics += [
                metric("\(sink.name)SentToOutput", .counter, sink.written), metric("\(sink.name)Skipped", .counter, sink.skipped),
                metric("\(sink.name)Failed", .counter, sink.failed),
            ]
        }
        return metrics
    }

    /// Every counter of every stage, `<stage>_<counter>` with the stage's dashes as
    /// underscores, summed over lanes and also given per lane.
    public static func stageMetrics(_ s: PipelineStatistics) -> [Metric] {
        var metrics: [Metric] = []
        for stage in s.stageOrder {
            let sources = s.sources(stage)
            let prefix = stage.replacingDashes()
            let lanes = Array(Set(sources.map(\.lane))).sorted()
            for counter in s.counterNames(stage) {
                // Most counters only grow; a list's size is a level.
                let kind: Metric.Kind = counter.hasSuffix("_entries") ? .gauge : .counter
                var metric = Metric(
                    name: prefix + "_" + counter, kind: kind, value: Double(s.sum(stage, counter)), stage: stage, counter: counter)
                metric.lanes = lanes.map { lane in
                    (lane, Double(sources.filter { $0.lane == lane }.reduce(0) { $0 &+ s.value($1, counter) }))
                }
                metrics.append(metric)
            }
        }
        return metrics
    }
}

extension String {
    /// The name with `-` as `_`, as metric names allow.
    func replacingDashes() -> String {
        String(self.map { $0 == "-" ? "_" : $0 })
    }
}
