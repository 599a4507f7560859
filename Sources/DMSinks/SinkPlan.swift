import DMBytes
import DMFormats
import DMRecord
import DMStage
import DMSystem

/// dm-out's loop: each DNS record is rendered at most once per format and offered to every
/// sink, whose output type decides whether it is written or counted as skipped.
public final class SinkPlan: InputIdleObserver {
    /// One sink with its output type and the index of its format's renderer.
    public struct Entry {
        let sink: any OutputSink
        let type: OutputType
        let format: Int
        /// Whether the format's header line (CSV) is out; set from the start for the threads
        /// of a shared sink, whose header is written once before they start.
        var headerWritten = false

        /// `sink` writing the lines of format number `format` that its output `type` accepts.
        public init(sink: any OutputSink, type: OutputType, format: Int) {
            self.sink = sink
            self.type = type
            self.format = format
        }

        init(sink: any OutputSink, type: OutputType, format: Int, headerWritten: Bool) {
            self.init(sink: sink, type: type, format: format)
            self.headerWritten = headerWritten
        }
    }

    /// A sink of DNS records (a database or bus) with its output type.
    public struct RecordSinkEntry {
        let sink: any RecordSink
        let type: OutputType

        /// `sink` taking the records its output `type` accepts.
        public init(sink: any RecordSink, type: OutputType) {
            self.sink = sink
            self.type = type
        }
    }

    @exclusivity(unchecked) private var sinks: [Entry]
    private let recordSinks: [RecordSinkEntry]
    /// Whether ``finish()`` finishes the record sinks: the one plan of a single thread does;
    /// with several threads sharing them, ``ParallelRendering`` does after every thread ended.
    private let finishesRecordSinks: Bool
    private let formatters: [any RecordFormatter]
    private let buffers: [OutputByteBuffer]
    /// Per format, the serial number of the record its buffer holds (0: none).
    @exclusivity(unchecked) private var renderedSerial: [UInt64]
    /// Per format, whether the record its buffer holds has a line (CSV has none for a message
    /// without a question).
    @exclusivity(unchecked) private var renderedLine: [Bool]
    @exclusivity(unchecked) private var serial: UInt64 = 0
    @exclusivity(unchecked) private var deferredError: SinkError?
    @exclusivity(unchecked) private var warnedUnmarked = false
    @exclusivity(unchecked) private var warnedInvalid = false
    @exclusivity(unchecked) private var warnedPackets = false

    /// dm-out's own counters of one plan (one rendering thread), and what it skipped per sink.
    struct Counters {
        /// What this plan's thread counted of its records.
        var rendering = RenderingCounters()
        /// Per sink, the records this plan's output types left out (for a port of a shared
        /// sink, only the plan counts them).
        var sinkSkipped: [UInt64] = []
    }

    @exclusivity(unchecked) private var own = RenderingCounters()
    @exclusivity(unchecked) private var noLineCountedSerial: UInt64 = 0
    /// When dm-out's periodic STATS are due (`--stats-interval`).
    @exclusivity(unchecked) var statsSchedule = StatsSchedule.never
    /// Called instead of writing periodic STATS, for a plan whose thread shares the sinks: it
    /// hands its counters to whoever writes them (``ParallelRendering``).
    @exclusivity(unchecked) var publish: ((Counters) -> Void)?

    init(sinks: [Entry], recordSinks: [RecordSinkEntry] = [], finishesRecordSinks: Bool = true, formatters: [any RecordFormatter]) {
        self.sinks = sinks
        self.recordSinks = recordSinks
        self.finishesRecordSinks = finishesRecordSinks
        self.formatters = formatters
        self.buffers = formatters.map { _ in OutputByteBuffer() }
        self.renderedSerial = formatters.map { _ in 0 }
        self.renderedLine = formatters.map { _ in false }
    }

    /// This plan's counters now.
    var counters: Counters {
        Counters(rendering: self.own, sinkSkipped: self.sinks.map(\.sink.counters.skipped))
    }

    /// The counters for the summary and STATS: dm-out's own, then each sink's.
    var counterFields: [(name: String, value: UInt64)] {
        Self.counterFields(
            plans: [self.counters], sinks: self.sinks.map { Self.totals(of: $0.sink) } + self.recordSinks.map { Self.totals(of: $0.sink) },
            throughPorts: false)
    }

    /// What a sink itself counted, and its rotations when it is a file.
    struct SinkTotals {
        var name: String
        var counters: SinkCounters
        var rotations: UInt64?
        /// What a batching sink did besides writing.
        var delivery: DeliveryCounters?
    }

    static func totals(of sink: any RecordSink) -> SinkTotals {
        let delivery = sink.deliveryCounters
        var counters = SinkCounters()
        counters.written = delivery.written
        counters.skipped = sink.skipped
        counters.failed = delivery.failed &+ delivery.dropped
        return SinkTotals(name: sink.name, counters: counters, delivery: delivery)
    }

    static func totals(of sink: any OutputSink) -> SinkTotals {
        var rotations: UInt64?
        if let file = sink as? FileSink, case .path = file.destination { rotations = file.rotations }
        return SinkTotals(name: sink.name, counters: sink.counters, rotations: rotations)
    }

    /// The counters of plans reading into `sinks`: their own counters summed, then each
    /// sink's. `throughPorts`: the plans wrote through ports of shared sinks, so the lines
    /// they skipped are theirs to add to the sink's.
    static func counterFields(plans: [Counters], sinks: [SinkTotals], throughPorts: Bool) -> [(name: String, value: UInt64)] {
        var counters = OutputCounters()
        for plan in plans { counters.rendering.add(plan.rendering) }
        for (index, var sink) in sinks.enumerated() {
            precondition(OutputCounters.sinkNames.contains(sink.name), "sink \(sink.name) has no declared counters")
            if throughPorts {
                for plan in plans where index < plan.sinkSkipped.count { sink.counters.skipped &+= plan.sinkSkipped[index] }
            }
            counters.sinks[sink.name] = sink
        }
        return counters.fields
    }

    /// When to look whether periodic STATS are due: every ``StatsCountdown/interval`` records,
    /// at every upstream STATS record and after the input was idle.
    @exclusivity(unchecked) private var statsCountdown = StatsCountdown()

    /// Writes periodic STATS when due, or hands the counters to ``publish``.
    private func periodicCheck(_ statsOutput: StatsRelay?) throws(RecordWriteError) {
        if let publish = self.publish {
            publish(self.counters)
        } else if let statsOutput, self.statsSchedule.isDue() {
            try statsOutput.writeStats(kind: .periodic, counters: self.counterFields)
        }
    }

    /// Reads records to the end of the input (or a stop signal), writing DNS records to the
    /// sinks and STATS records to `statsOutput`.
    func run<Source: StreamItemSource>(reader: Source, statsOutput: StatsRelay?) throws {
        while let item = try reader.next() {
            if StageSignals.takeReopenRequest() {
                for entry in self.sinks { try entry.sink.reopen() }
            }
            switch item {
            case .header(let header):
                try statsOutput?.beginSection(after: header)
            case .record(let record):
                self.own.recordsIn &+= 1
                switch record.type {
                case .dns:
                    try self.write(record, at: reader.offset)
                case .stats:
                    self.own.statsRecords &+= 1
                    try statsOutput?.forward(record)
                    // Upstream STATS come once an interval even from an idle live capture: a
                    // moment to report dm-out's own.
                    self.statsCountdown.checkNext()
                case .packet:
                    self.own.otherRecords &+= 1
                    if !self.warnedPackets {
                        self.warnedPackets = true
                        StandardError.write("dm-out: the input holds PACKET records (raw frames, as dm-capture writes them), which have no DNS lines; put dm-parse in between: dm-capture … | dm-parse | dm-out\n")
                    }
                default:
                    self.own.otherRecords &+= 1
                }
            }
            if self.statsCountdown.shouldCheck() { try self.periodicCheck(statsOutput) }
            if let error = self.deferredError {
                self.deferredError = nil
                throw error
            }
        }
    }

    private func write(_ record: RecordView, at offset: UInt64) throws {
        let view: DNSRecordView
        do {
            view = try DNSRecordView(body: record.body)
        } catch {
            // docs/record-format.md: a DNS record with a broken layout is not a stream error.
            self.own.invalidRecords &+= 1
            if !self.warnedInvalid {
                self.warnedInvalid = true
                StandardError.write("dm-out: skipping a DNS record with a broken layout (the record ending at offset \(offset): \(error)); such records are counted as invalid_records\n")
            }
            return
        }
        self.own.dnsRecords &+= 1
        self.serial &+= 1
        let flags = view.metadata.matchFlags
        for entry in self.recordSinks {
            if entry.type.accepts(flags) {
                entry.sink.write(view, body: record.body)
            } else {
                entry.sink.countSkipped()
                self.warnIfUnmarked(flags, type: entry.type, sink: entry.sink.name)
            }
        }
        for index in self.sinks.indices {
            let entry = self.sinks[index]
            guard entry.type.accepts(flags) else {
                entry.sink.counters.skipped &+= 1
                self.warnIfUnmarked(flags, type: entry.type, sink: entry.sink.name)
                continue
            }
            let buffer = self.buffers[entry.format]
            if self.renderedSerial[entry.format] != self.serial {
                buffer.removeAll()
                do {
                    let rendered = try self.formatters[entry.format].append(view, to: buffer)
                    if rendered { buffer.append(0x0A) }
                    self.renderedLine[entry.format] = rendered
                } catch {
                    // Only messages dm-parse kept on request (--keep-malformed) get here.
                    self.own.malformedUnrendered &+= 1
                    return
                }
                self.renderedSerial[entry.format] = self.serial
            }
            guard self.renderedLine[entry.format] else {
                // As dnsmonster's CSV: no row for a message without a question.
                if self.noLineCountedSerial != self.serial {
                    self.noLineCountedSerial = self.serial
                    self.own.noLine &+= 1
                }
                entry.sink.counters.skipped &+= 1
                continue
            }
            if !entry.headerWritten, let header = self.formatters[entry.format].headerLine {
                try header.withByteView { (bytes) throws(SinkError) in try entry.sink.writeHeader(bytes) }
                self.sinks[index].headerWritten = true
            }
            try entry.sink.write(buffer.bytes, timeNanoseconds: view.metadata.timeNanoseconds)
        }
    }

    /// Warns once when a sink's output type needs the domain lists' marks and a record has none.
    private func warnIfUnmarked(_ flags: DNSMatchFlags, type: OutputType, sink: String) {
        guard type.needsMatchFlags && !flags.contains(.evaluated) && !self.warnedUnmarked else { return }
        self.warnedUnmarked = true
        StandardError.write("dm-out: warning: \(sink) has output type \(type.rawValue), but records were not checked against domain lists (put dm-filter --tag-only with --skip-domains/--allow-domains before dm-out); they match neither list\n")
    }

    /// Flushes and closes every sink; returns the first failure.
    func finish() -> SinkError? {
        var first: SinkError?
        for entry in self.sinks {
            do { try entry.sink.finish() } catch { first = first ?? error }
        }
        if self.finishesRecordSinks {
            for entry in self.recordSinks { entry.sink.finish() }
        }
        return first ?? self.deferredError
    }

    // MARK: InputIdleObserver

    public func inputWillBlock() {
        // The next record checks for periodic STATS, so a burst before a quiet spell is reported.
        self.statsCountdown.checkNext()
        for entry in self.sinks {
            do { try entry.sink.flush() } catch { self.deferredError = self.deferredError ?? error }
        }
    }

    public func inputDidRead() {}
}
