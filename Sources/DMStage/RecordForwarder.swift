import DMRecord

/// What a stage does with one record.
public enum RecordDecision {
    case forward
    case drop
}

/// Counters of the shared forwarding loop.
public struct ForwardingCounters: Hashable, Sendable, StageCounters {
    public var recordsIn: UInt64 = 0
    public var recordsOut: UInt64 = 0
    public var recordsDropped: UInt64 = 0
    public var sections: UInt64 = 0
    /// STATS records of upstream stages passed on.
    public var statsForwarded: UInt64 = 0

    public init() {}

    /// The forwarding loop's counters, in the order STATS lists them.
    public static let declared: [Counter<ForwardingCounters>] = [
        Counter("records_in", "records read, but upstream STATS") { $0.recordsIn },
        Counter("records_out", "records written") { $0.recordsOut },
        Counter("records_dropped", "records the stage left out") { $0.recordsDropped },
        Counter("sections", "input sections (headers) read") { $0.sections },
        Counter("stats_forwarded", "upstream STATS records passed on") { $0.statsForwarded },
    ]
}

/// The loop every record-to-record stage runs: each input header starts an output section with
/// this stage's provenance added, upstream STATS records pass through, and `decide` sees every
/// other record, known type or not.
public enum RecordForwarder {
    public static func run(
        from reader: RecordReader, to output: StageOutput, counters: inout ForwardingCounters,
        _ decide: (RecordView) throws -> RecordDecision
    ) throws {
        reader.idleObserver = output.writer
        defer { reader.idleObserver = nil }
        while let batch = try reader.nextBatch() {
            switch batch {
            case .records(let run):
                // Kept records are contiguous until a drop; each stretch is written in one piece.
                var stretch = RecordStretch()
                var offset = 0
                for record in run {
                    let size = record.rawBytes.count
                    counters.recordsIn &+= 1
                    if record.type == .stats {
                        counters.statsForwarded &+= 1
                        stretch.extend(offset: offset, size: size)
                    } else if try decide(record) == .forward {
                        counters.recordsOut &+= 1
                        stretch.extend(offset: offset, size: size)
                    } else {
                        counters.recordsDropped &+= 1
                        try stretch.flush(run, to: output.writer)
                    }
                    offset += size
                }
                try stretch.flush(run, to: output.writer)
            case .header(let header):
                counters.sections &+= 1
                try output.beginSection(after: header)
            }
        }
    }
}
