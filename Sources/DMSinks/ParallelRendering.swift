import DMFormats
import DMRecord
import DMStage
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// dm-out over several inputs with several threads: each thread reads its share of the inputs
/// (one reader, or a ``RecordStreamMerger`` over several), renders with formatters of its own and
/// writes into its own ports of the shared sinks, which take its lines in batches. Rendering,
/// the costly part, so runs on as many cores as there are lanes; lines stay whole, and each
/// input's records stay in their order.
struct ParallelRendering {
    /// One thread's work and outcome.
    final class Job: @unchecked Sendable {
        let plan: SinkPlan
        let readers: [RecordReader]
        /// Whether the thread's inputs are merged by capture time (else as they arrive).
        let orderedByTime: Bool
        var failure: Error?
        var stopped = false
        /// The plan's counters as its thread last handed them over, for periodic STATS.
        private var published = SinkPlan.Counters()
        private let lock = ThreadLock()

        init(plan: SinkPlan, readers: [RecordReader], orderedByTime: Bool) {
            self.plan = plan
            self.readers = readers
            self.orderedByTime = orderedByTime
            plan.publish = { [lock] counters in lock.withLock { self.published = counters } }
        }

        /// What the thread last handed over (up to 1024 records behind it).
        var publishedCounters: SinkPlan.Counters { self.lock.withLock { self.published } }

        func run(stats: StatsRelay?) {
            do {
                if self.readers.count == 1 {
                    try self.serve(self.readers[0], stats: stats)
                } else if self.orderedByTime {
                    try self.serve(TimeOrderedMerger(readers: self.readers), stats: stats)
                } else {
                    try self.serve(RecordStreamMerger(readers: self.readers), stats: stats)
                }
            } catch {
                self.failure = error
            }
            // Whatever ended the loop, the lines this thread holds go to the sinks.
            if let error = self.plan.finish(), self.failure == nil { self.failure = error }
        }

        private func serve<Source: StreamItemSource>(_ source: Source, stats: StatsRelay?) throws {
            source.idleObserver = self.plan
            defer { self.stopped = source.stoppedBySignal }
            try self.plan.run(reader: source, statsOutput: stats)
        }
    }

    let sinks: [SinkPlan.Entry]
    let recordSinks: [SinkPlan.RecordSinkEntry]
    let headers: [[UInt8]?]
    let makeFormatters: () throws -> [any RecordFormatter]
    /// When dm-out's periodic STATS are due; the supervising thread writes them.
    var statsSchedule = StatsSchedule.never
    /// Whether the lines of the threads are merged by capture time (``SharedSink``), each
    /// thread's inputs being in capture order; else they are written as they come.
    var orderedByTime = false

    /// Reads `readers` on `threads` threads (inputs dealt round-robin) until every input has
    /// ended or a stop signal; then finishes the sinks, writes the STATS and the summary.
    func run(readers: [RecordReader], threads: Int, stats: StatsRelay?) throws {
        let shared = zip(self.sinks, self.headers).map { SharedSink($0.sink, header: $1, orderedByTime: self.orderedByTime) }
        var jobs: [Job] = []
        for thread in 0..<threads {
            let ports = self.sinks.enumerated().map { index, entry in
                SinkPlan.Entry(sink: shared[index].makePort(), type: entry.type, format: entry.format, headerWritten: true)
            }
            let mine = stride(from: thread, to: readers.count, by: threads).map { readers[$0] }
            let plan = SinkPlan(sinks: ports, recordSinks: self.recordSinks, finishesRecordSinks: false, formatters: try self.makeFormatters())
            jobs.append(Job(plan: plan, readers: mine, orderedByTime: self.orderedByTime))
        }
        var workers: [WorkerThread] = []
        for job in jobs {
            workers.append(try WorkerThread { job.run(stats: stats) })
        }
        // A stop signal reaches one thread; pass it on until every thread has stopped.
        var schedule = self.statsSchedule
        while !workers.allSatisfy(\.isFinished) {
            if StageSignals.stopRequested { workers.forEach { $0.interrupt() } }
            if let stats, schedule.isDue() {
                let totals = shared.map { sink in (try? sink.withLock { SinkPlan.totals(of: $0) }) ?? SinkPlan.totals(of: sink.sink) }
                    + self.recordSinks.map { SinkPlan.totals(of: $0.sink) }
                let fields = SinkPlan.counterFields(plans: jobs.map(\.publishedCounters), sinks: totals, throughPorts: true)
                do { try stats.writeStats(kind: .periodic, counters: fields) } catch { StandardError.write("dm-out: \(error)\n") }
            }
            usleep(20_000)
        }
        workers.forEach { $0.join() }

        var finishError: SinkError?
        for sink in shared {
            do { try sink.sink.finish() } catch { finishError = finishError ?? error }
        }
        for entry in self.recordSinks { entry.sink.finish() }
        let counters = SinkPlan.counterFields(
            plans: jobs.map(\.plan.counters),
            sinks: shared.map { SinkPlan.totals(of: $0.sink) } + self.recordSinks.map { SinkPlan.totals(of: $0.sink) }, throughPorts: true)
        if let stats {
            try stats.output.finish(stage: "dm-out", counters: counters)
        }
        let stopped = jobs.contains { $0.stopped }
        // A consumer that went away explains the other failures: exit quietly, as one thread would.
        let failures = jobs.compactMap(\.failure) + (finishError.map { [$0] } ?? [])
        if failures.contains(where: { ($0 as? SinkError)?.isConsumerClosed == true }) {
            throw RecordWriteError(kind: .consumerClosed, output: "standard output", message: "the consumer closed its end")
        }
        StandardError.write(StageSummary.line(tool: "dm-out", counters: counters, stopped: stopped))
        for failure in failures.dropFirst() { StandardError.write("dm-out: also: \(failure)\n") }
        if let first = failures.first { throw first }
    }
}
