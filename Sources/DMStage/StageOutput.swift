import DMRecord
import DMSystem

/// The output side every stage shares: headers with accumulated provenance, forwarded and own
/// STATS records, and the final flush.
public final class StageOutput {
    /// The writer records go through.
    public let writer: RecordWriter
    /// This stage's PROVENANCE entry, appended to every header it writes.
    public let provenance: Provenance
    /// The lane this stage serves, reported in its STATS.
    public let lane: UInt16
    /// Whether a header has been written yet.
    @exclusivity(unchecked) public private(set) var wroteHeader = false
    /// When periodic STATS are due (`--stats-interval`); never unless the stage sets it.
    @exclusivity(unchecked) public var statsSchedule = StatsSchedule.never

    public init(writer: RecordWriter, provenance: Provenance, lane: UInt16 = 0) {
        self.writer = writer
        self.provenance = provenance
        self.lane = lane
    }

    /// Opens `endpoint` for a stage's output, refusing a terminal on standard output.
    public static func open(
        _ endpoint: Endpoint, tool: String, compression: StreamCompression = .none, lane: UInt16 = 0,
        policy: FlushPolicy = .standard
    ) throws -> StageOutput {
        let opened = try endpoint.openForWriting()
        if !opened.owned { try StageMain.refuseTerminalOutput(opened.fileDescriptor) }
        let writer = RecordWriter(
            fileDescriptor: opened.fileDescriptor, outputName: opened.name, policy: policy,
            compression: compression, closesDescriptor: opened.owned)
        return StageOutput(writer: writer, provenance: .current(tool: tool), lane: lane)
    }

    /// Starts an output section for an input section: its entries, then ours.
    public func beginSection(after input: StreamHeader) throws(RecordWriteError) {
        try self.writer.writeHeader(input.appending(self.provenance.entry))
        self.wroteHeader = true
    }

    /// Starts an output section of the stage's own, for stages whose input is not a stream.
    public func beginOwnSection(entries: [HeaderEntry] = []) throws(RecordWriteError) {
        try self.writer.writeHeader(StreamHeader(entries: entries + [self.provenance.entry]))
        self.wroteHeader = true
    }

    /// Writes this stage's counters as a STATS record.
    public func writeStats(stage: String, kind: StatsRecord.Kind, counters: [(name: String, value: UInt64)]) throws(RecordWriteError) {
        if !self.wroteHeader { try self.beginOwnSection() }
        let stats = StatsRecord(
            timeNanoseconds: WallClock.nowNanoseconds(), processID: self.provenance.processID, lane: self.lane,
            kind: kind, stage: stage, counters: counters)
        try self.writer.writeRecord(type: .stats, body: stats.encodedBody())
    }

    /// Writes a periodic STATS record when one is due by ``statsSchedule``; `counters` is only
    /// evaluated then. Stages call this once per batch of records.
    @inlinable
    public func writePeriodicStatsIfDue(stage: String, counters: () -> [(name: String, value: UInt64)]) throws(RecordWriteError) {
        guard self.statsSchedule.isDue() else { return }
        try self.writeStats(stage: stage, kind: .periodic, counters: counters())
    }

    /// Runs the stage's main loop, then writes the final STATS record and flushes — also when
    /// the loop fails on bad input, so the records read before the fault and the counters
    /// still reach the consumer; the input error is rethrown afterwards. Output errors are
    /// rethrown at once: there is nobody left to write to.
    public func run(stage: String, counters: () -> [(name: String, value: UInt64)], _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as RecordWriteError {
            throw error
        } catch {
            try self.finish(stage: stage, counters: counters())
            throw error
        }
        try self.finish(stage: stage, counters: counters())
    }

    /// Writes the final STATS record, flushes and ends compression.
    public func finish(stage: String, counters: [(name: String, value: UInt64)]) throws(RecordWriteError) {
        try self.writeStats(stage: stage, kind: .final, counters: counters)
        try self.writer.finish()
    }
}

/// Formats counters as the one-line summary a stage prints to standard error at exit.
public enum StageSummary {
    public static func line(tool: String, counters: [(name: String, value: UInt64)], stopped: Bool) -> String {
        let fields = counters.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        return "\(tool): \(stopped ? "stopped by signal; " : "")\(fields)\n"
    }
}
