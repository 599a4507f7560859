/// What a stage does with one record.
public enum RecordDecision {
    case forward
    case drop
}

/// Counters of the shared forwarding loop.
public struct ForwardingCounters: Hashable, Sendable {
    public var recordsIn: UInt64 = 0
    public var recordsOut: UInt64 = 0
    public var recordsDropped: UInt64 = 0
    public var sections: UInt64 = 0
    /// STATS records of upstream stages passed on.
    public var statsForwarded: UInt64 = 0

    public init() {}

    /// The counters as STATS fields.
    public var fields: [(name: String, value: UInt64)] {
        [("records_in", self.recordsIn), ("records_out", self.recordsOut), ("records_dropped", self.recordsDropped),
         ("sections", self.sections), ("stats_forwarded", self.statsForwarded)]
    }
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
        while let item = try reader.next() {
            switch item {
            case .record(let record):
                counters.recordsIn &+= 1
                if record.type == .stats {
                    counters.statsForwarded &+= 1
                    try output.writer.write(record)
                    continue
                }
                switch try decide(record) {
                case .forward:
                    counters.recordsOut &+= 1
                    try output.writer.write(record)
                case .drop:
                    counters.recordsDropped &+= 1
                }
            case .header(let header):
                counters.sections &+= 1
                try output.beginSection(after: header)
            }
        }
    }
}
