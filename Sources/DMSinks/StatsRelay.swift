import DMRecord
import DMStage
import DMSystem

/// Where dm-out's rendering threads forward the STATS records (and section headers) they read:
/// `--stats-out`, written under a lock so records from several threads stay whole.
public final class StatsRelay: @unchecked Sendable {
    let output: StageOutput
    private let lock = ThreadLock()

    /// Forwards to `output`.
    public init(_ output: StageOutput) {
        self.output = output
    }

    /// Starts an output section for an input section.
    func beginSection(after header: StreamHeader) throws(RecordWriteError) {
        try self.lock.withLock { () throws(RecordWriteError) in try self.output.beginSection(after: header) }
    }

    /// Forwards one STATS record unchanged, and at once: STATS are few, and whoever reads
    /// them (dnsmonster's metrics) wants them while the pipeline runs.
    func forward(_ record: RecordView) throws(RecordWriteError) {
        try self.lock.withLock { () throws(RecordWriteError) in
            try self.output.writer.write(record)
            try self.output.writer.flush()
        }
    }

    /// Writes dm-out's own counters as a STATS record, at once.
    func writeStats(kind: StatsRecord.Kind, counters: [(name: String, value: UInt64)]) throws(RecordWriteError) {
        try self.lock.withLock { () throws(RecordWriteError) in
            try self.output.writeStats(stage: "dm-out", kind: kind, counters: counters)
            try self.output.writer.flush()
        }
    }
}
