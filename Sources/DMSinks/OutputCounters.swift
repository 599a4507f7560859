import DMStage

/// What a rendering thread counts of the records it reads: kept per thread (``SinkPlan``),
/// summed for dm-out's STATS.
struct RenderingCounters {
    var recordsIn: UInt64 = 0
    var dnsRecords: UInt64 = 0
    var invalidRecords: UInt64 = 0
    var malformedUnrendered: UInt64 = 0
    /// Records a format has no line for (CSV: no question), counted once per record.
    var noLine: UInt64 = 0
    var statsRecords: UInt64 = 0
    var otherRecords: UInt64 = 0

    /// Adds another thread's counts.
    mutating func add(_ other: RenderingCounters) {
        self.recordsIn &+= other.recordsIn
        self.dnsRecords &+= other.dnsRecords
        self.invalidRecords &+= other.invalidRecords
        self.malformedUnrendered &+= other.malformedUnrendered
        self.noLine &+= other.noLine
        self.statsRecords &+= other.statsRecords
        self.otherRecords &+= other.otherRecords
    }
}

/// dm-out's counters: its own (summed over the rendering threads), then each configured sink's.
public struct OutputCounters: StageCounters {
    /// The rendering threads' counts, summed.
    var rendering = RenderingCounters()
    /// The configured sinks' counters by sink name; a sink not configured reports nothing.
    var sinks: [String: SinkPlan.SinkTotals] = [:]

    /// The names sinks report under, in the order their counters follow dm-out's own.
    public static let sinkNames = ["stdout", "file", "syslog", "clickhouse"]
    /// The sinks that deliver in batches (``BatchingDelivery``), with counters of their queue and spool.
    static let batchingSinkNames: Set<String> = ["clickhouse"]

    /// dm-out's counters, in the order STATS lists them.
    public static let declared: [Counter<OutputCounters>] = [
        Counter("records_in", "records read") { $0.rendering.recordsIn },
        Counter("dns_records", "of those, DNS records offered to the sinks") { $0.rendering.dnsRecords },
        Counter("invalid_records", "DNS records whose layout is broken (docs/record-format.md), skipped") { $0.rendering.invalidRecords },
        Counter("malformed_unrendered", "records flagged malformed by dm-parse --keep-malformed that cannot be rendered") {
            $0.rendering.malformedUnrendered
        },
        Counter("no_line", "records a format has no line for: CSV without a question") { $0.rendering.noLine },
        Counter("stats_records", "upstream STATS records") { $0.rendering.statsRecords },
        Counter("other_records", "records of other types, ignored") { $0.rendering.otherRecords },
    ] + Self.sinkNames.flatMap { name in
        [
            Counter("\(name)_written", "records the \(name) sink handed to the operating system") { $0.sinks[name]?.counters.written },
            Counter("\(name)_skipped", "records the \(name) sink's output type left out") { $0.sinks[name]?.counters.skipped },
            Counter("\(name)_failed", "records lost to a failing \(name) destination") { $0.sinks[name]?.counters.failed },
        ] + (name == "file" ? [Counter("file_rotations", "times the file sink rotated its file") { $0.sinks[name]?.rotations }] : [])
            + (batchingSinkNames.contains(name) ? Self.deliveryCounters(name) : [])
    }

    private static func deliveryCounters(_ name: String) -> [Counter<OutputCounters>] {
        [
            Counter("\(name)_batches", "batches the \(name) server took") { $0.sinks[name]?.delivery?.batches },
            Counter("\(name)_retries", "\(name) deliveries that failed and were tried again") { $0.sinks[name]?.delivery?.retries },
            Counter("\(name)_spooled", "records that found the \(name) queue full and went to the spool folder") { $0.sinks[name]?.delivery?.spooled },
            Counter("\(name)_replayed", "records delivered to \(name) from the spool folder") { $0.sinks[name]?.delivery?.replayed },
            Counter("\(name)_dropped", "records that found the \(name) queue and spool full (or no spool); also in \(name)_failed") {
                $0.sinks[name]?.delivery?.dropped
            },
            Counter("\(name)_queued", "records waiting for \(name) in its queue") { $0.sinks[name]?.delivery?.queued },
            Counter("\(name)_kept", "records of this run left in the \(name) spool folder at the end, for the next run") {
                $0.sinks[name]?.delivery?.kept
            },
            Counter("\(name)_earlier", "records an earlier run left in the \(name) spool folder, delivered now (not in \(name)_written)") {
                $0.sinks[name]?.delivery?.earlier
            },
        ]
    }
}
