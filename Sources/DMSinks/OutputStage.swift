import DMFormats
import DMRecord
import DMStage
import DMSystem

/// dm-out's run: every DNS record of the inputs rendered once per format and offered to every
/// sink, on one thread or, for several inputs, on several (``ParallelRendering``); then the
/// sinks are finished, dm-out's final STATS written and its summary printed.
public struct OutputStage {
    /// The stage's name in STATS records and messages.
    public static let name = "dm-out"

    /// The sinks, each with its output type and the index of its format in ``formats``.
    public let sinks: [SinkPlan.Entry]
    /// The sinks taking records (databases, buses), each with its output type.
    public let recordSinks: [SinkPlan.RecordSinkEntry]
    /// The formats the sinks use, each rendered at most once per record.
    public let formats: [RecordFormat]
    /// What the formats leave to the user (escaping, CSV's server column, the template).
    public let formatOptions: FormatOptions
    /// When dm-out's periodic STATS are due.
    public let statsSchedule: StatsSchedule
    /// The order in which records of several inputs are written.
    public let order: InputOrder

    /// How the records of several inputs are interleaved.
    public enum InputOrder: String, CaseIterable, Sendable {
        /// As they arrive, rendered on a thread per input: live capture.
        case arrival
        /// By capture time, a k-way merge of inputs each in capture order: a file replayed by
        /// several lanes comes out in the file's order. Rendered on a thread per input, whose
        /// lines are merged by time (``SharedSink``); on one thread the records are (``TimeOrderedMerger``).
        case time
    }

    public init(
        sinks: [SinkPlan.Entry], recordSinks: [SinkPlan.RecordSinkEntry] = [], formats: [RecordFormat], formatOptions: FormatOptions,
        statsSchedule: StatsSchedule, order: InputOrder = .arrival
    ) {
        self.sinks = sinks
        self.recordSinks = recordSinks
        self.formats = formats
        self.formatOptions = formatOptions
        self.statsSchedule = statsSchedule
        self.order = order
    }

    /// A formatter for each format, in order: each rendering thread has its own.
    func makeFormatters() throws(GoTemplateError) -> [any RecordFormatter] {
        var formatters: [any RecordFormatter] = []
        for format in self.formats { formatters.append(try format.makeFormatter(self.formatOptions)) }
        return formatters
    }

    /// Reads `readers` to their ends (or a stop signal) on up to `threads` threads, writing the
    /// sinks, and STATS records (the pipeline's and dm-out's own) to `stats` when given.
    /// - Throws: ``UndeliveredRecords`` when every input was read but some records could not be
    ///   written (after the summary shows them as failed), so the exit status tells of the loss.
    public func run(readers: [RecordReader], threads: Int, stats: StatsRelay?) throws {
        try self.render(readers: readers, threads: threads, stats: stats)
        let failed = (self.sinks.map { (name: $0.sink.name, count: $0.sink.counters.failed) }
            + self.recordSinks.map { (name: $0.sink.name, count: SinkPlan.totals(of: $0.sink).counters.failed) }).filter { $0.count > 0 }
        if !failed.isEmpty { throw UndeliveredRecords(failedBySink: failed) }
    }

    private func render(readers: [RecordReader], threads: Int, stats: StatsRelay?) throws {
        let threads = max(1, min(threads, readers.count))
        if threads > 1 {
            let headers = try self.makeFormatters().map(\.headerLine)
            var parallel = ParallelRendering(
                sinks: self.sinks, recordSinks: self.recordSinks, headers: self.sinks.map { headers[$0.format] },
                makeFormatters: { try self.makeFormatters() })
            parallel.statsSchedule = self.statsSchedule
            parallel.orderedByTime = self.order == .time
            try parallel.run(readers: readers, threads: threads, stats: stats)
            return
        }
        let plan = SinkPlan(sinks: self.sinks, recordSinks: self.recordSinks, formatters: try self.makeFormatters())
        plan.statsSchedule = self.statsSchedule
        // Concrete types, so the record loop is specialised for the single-input case.
        if readers.count == 1 {
            try Self.serve(readers[0], plan: plan, statsOutput: stats)
        } else if self.order == .time {
            try Self.serve(TimeOrderedMerger(readers: readers), plan: plan, statsOutput: stats)
        } else {
            try Self.serve(RecordStreamMerger(readers: readers), plan: plan, statsOutput: stats)
        }
    }

    /// Writes every record of `source` to the sinks, then their counters.
    private static func serve<Source: StreamItemSource>(_ source: Source, plan: SinkPlan, statsOutput: StatsRelay?) throws {
        source.idleObserver = plan
        var failure: Error?
        do {
            try plan.run(reader: source, statsOutput: statsOutput)
        } catch {
            failure = error
        }
        // Whatever ended the loop, what the sinks hold is written and the counters shown.
        let finishError = plan.finish()
        if let statsOutput {
            try statsOutput.output.finish(stage: Self.name, counters: plan.counterFields)
        }
        if let failure = failure ?? finishError {
            if let sinkError = failure as? SinkError, sinkError.isConsumerClosed {
                throw RecordWriteError(kind: .consumerClosed, output: "standard output", message: "the consumer closed its end")
            }
            StandardError.write(StageSummary.line(tool: Self.name, counters: plan.counterFields, stopped: source.stoppedBySignal))
            throw failure
        }
        StandardError.write(StageSummary.line(tool: Self.name, counters: plan.counterFields, stopped: source.stoppedBySignal))
    }
}

/// Records a sink could not deliver (a full disk, a syslog server down): the run went on, and
/// ends with this error so the exit status tells of the loss.
public struct UndeliveredRecords: Error, CustomStringConvertible {
    /// Each sink that failed records, with how many.
    public var failedBySink: [(name: String, count: UInt64)]

    public var description: String {
        let total = self.failedBySink.reduce(0) { $0 &+ $1.count }
        let parts = self.failedBySink.map { "\($0.name)_failed=\($0.count)" }.joined(separator: " ")
        return "\(total) records were not delivered (\(parts))"
    }
}
