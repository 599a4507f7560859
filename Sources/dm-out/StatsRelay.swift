import DMRecord

/// Where dm-out's rendering threads forward the STATS records (and section headers) they read:
/// `--stats-out`, written under a lock so records from several threads stay whole.
final class StatsRelay: @unchecked Sendable {
    let output: StageOutput
    private let lock = ThreadLock()

    init(_ output: StageOutput) {
        self.output = output
    }

    /// Starts an output section for an input section.
    func beginSection(after header: StreamHeader) throws(RecordWriteError) {
        try self.lock.withLock { () throws(RecordWriteError) in try self.output.beginSection(after: header) }
    }

    /// Forwards one STATS record unchanged.
    func forward(_ record: RecordView) throws(RecordWriteError) {
        try self.lock.withLock { () throws(RecordWriteError) in try self.output.writer.write(record) }
    }
}
