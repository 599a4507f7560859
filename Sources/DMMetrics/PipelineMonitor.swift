import DMBytes
import DMRecord
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Watches a running pipeline through the STATS records its last stage forwards (dm-out's
/// `--stats-out`): keeps the latest counters of every stage process, sends the metrics to the
/// endpoint (a line on stderr or a statsd datagram every flush interval, a Prometheus scrape
/// whenever it comes), and at the end gives the pipeline's ledger.
///
/// The STATS stream is read on a thread of its own until it ends, so dm-out never waits on
/// the monitor; a corrupt stream is reported once and then drained unread.
public final class PipelineMonitor: @unchecked Sendable {
    /// What to export, and how often.
    public struct Settings: Sendable {
        public var endpoint: MetricsEndpoint
        /// How often stderr and statsd get the metrics; 0 for only at the end.
        public var flushIntervalNanoseconds: UInt64
        public var serverName: String

        public init(endpoint: MetricsEndpoint, flushIntervalNanoseconds: UInt64, serverName: String) {
            self.endpoint = endpoint
            self.flushIntervalNanoseconds = flushIntervalNanoseconds
            self.serverName = serverName
        }
    }

    public let settings: Settings
    private let input: Int32
    private let report: @Sendable (String) -> Void
    /// Where the stderr endpoint's metrics lines go, as they are (dnsmonster prints them so).
    private let writeMetricsLine: @Sendable (String) -> Void
    /// The latest STATS of every stage: the reader thread writes, the supervisor and the
    /// Prometheus server thread read.
    private let statistics = SharedStatistics()
    private let lock = ThreadLock()
    private var streamError: String?
    private var reader: WorkerThread?
    private let statsd: StatsdExporter?
    private let prometheus: PrometheusExposition?
    private let server: MetricsHTTPServer?
    private var nextFlush: UInt64

    /// Prepares the endpoint (binds the Prometheus port, opens the statsd socket), so a bad
    /// address fails before any stage starts. `input` is the read end of the STATS stream,
    /// owned from now on; `report` writes a line on stderr.
    /// Reads dm-out's STATS from `input`; messages go to `report`, the stderr endpoint's metrics
    /// lines to `writeMetricsLine` (by default `report` too).
    public init(
        input: Int32, settings: Settings, report: @escaping @Sendable (String) -> Void,
        writeMetricsLine: (@Sendable (String) -> Void)? = nil
    ) throws(MetricsEndpointError) {
        self.writeMetricsLine = writeMetricsLine ?? report
        self.input = input
        self.settings = settings
        self.report = report
        switch settings.endpoint {
        case .stderr:
            self.statsd = nil
            self.prometheus = nil
            self.server = nil
        case .statsd(let agent):
            self.statsd = try StatsdExporter(agent: agent, serverName: settings.serverName, warn: report)
            self.prometheus = nil
            self.server = nil
        case .prometheus(let address):
            let exposition = PrometheusExposition(serverName: settings.serverName)
            self.prometheus = exposition
            self.statsd = nil
            // The server thread renders from a snapshot; `self` is not ready to capture yet.
            let statistics = self.statistics
            self.server = try MetricsHTTPServer(address: address) { exposition.render(PipelineMetrics.metrics(statistics.snapshot())) }
        }
        self.nextFlush = WallClock.monotonicNanoseconds() &+ settings.flushIntervalNanoseconds
    }

    /// Statistics behind a lock, shared by reference with the Prometheus server's closure.
    private final class SharedStatistics: @unchecked Sendable {
        private let lock = ThreadLock()
        private var statistics = PipelineStatistics()
        func record(_ stats: StatsRecord) { self.lock.withLock { self.statistics.record(stats) } }
        func snapshot() -> PipelineStatistics { self.lock.withLock { self.statistics } }
    }

    deinit {
        if self.reader == nil { close(self.input) }
    }

    /// The port the Prometheus endpoint listens on (the kernel's pick for port 0).
    public var prometheusPort: UInt16? { self.server?.port }

    /// Starts reading the STATS stream and serving the endpoint.
    public func start() throws(SystemError) {
        try self.server?.start()
        self.reader = try WorkerThread { [self] in self.readStream() }
    }

    /// The latest counters of every stage.
    public func snapshot() -> PipelineStatistics { self.statistics.snapshot() }

    /// Sends the metrics when a flush is due; the supervisor calls this a few times a second.
    public func tick() {
        guard self.settings.flushIntervalNanoseconds > 0 else { return }
        let now = WallClock.monotonicNanoseconds()
        guard now >= self.nextFlush else { return }
        self.nextFlush = now &+ self.settings.flushIntervalNanoseconds
        self.flush()
    }

    /// Waits for the STATS stream to end (dm-out has exited), sends the last metrics unless
    /// told not to, stops the endpoint and returns the ledger, checked against
    /// `expectedProcesses` per stage.
    public func finish(expectedProcesses: [String: Int], sendsMetrics: Bool = true) -> PipelineAccount {
        self.reader?.join()
        if sendsMetrics { self.flush() }
        self.server?.stop()
        let statistics = self.snapshot()
        var account = PipelineAccount(statistics, expectedProcesses: expectedProcesses)
        if let error = self.lock.withLock({ self.streamError }) {
            account.unaccounted.insert("the STATS stream from dm-out broke off: \(error)", at: 0)
        }
        if let statsd = self.statsd, statsd.failedDatagrams > 0 {
            self.report("statsd: \(statsd.failedDatagrams) of \(statsd.failedDatagrams + statsd.sentDatagrams) datagrams to \(statsd.agent) were refused")
        }
        return account
    }

    private func flush() {
        let metrics = PipelineMetrics.metrics(self.snapshot())
        switch self.settings.endpoint {
        case .stderr(let format):
            let line = StderrMetrics.line(
                metrics.filter { $0.stage == nil }, format: format, timeNanoseconds: WallClock.nowNanoseconds())
            self.writeMetricsLine(String(line.dropLast()))
        case .statsd:
            self.statsd?.send(metrics)
        case .prometheus:
            break
        }
    }

    private func readStream() {
        let reader = RecordReader(fileDescriptor: self.input, inputName: "dm-out's STATS stream", closesDescriptor: true)
        do {
            while let item = try reader.next() {
                guard case .record(let record) = item, record.type == .stats else { continue }
                do {
                    self.statistics.record(try StatsRecord(body: record.body))
                } catch {
                    self.lock.withLock { self.streamError = self.streamError ?? "\(error)" }
                }
            }
        } catch {
            self.lock.withLock { self.streamError = "\(error)" }
            self.report("warning: \(error); the metrics stop here, the pipeline goes on")
            // Keep dm-out's writes flowing: read what remains and throw it away.
            let sink = ByteStorage(count: 65536)
            let neverRaised = StopSignal()
            while case .bytes = try? FileDescriptorIO.read(self.input, into: sink.mutableView, object: "--stats-out", stop: neverRaised) {}
        }
    }
}
