import DMBytes
import DMFormats
import DMRecord
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// A sink that several rendering threads write to: each thread writes into its own
/// ``SharedSink/Port``, which hands its lines to the sink in batches under one lock, so the
/// threads contend once per batch, not once per line, and each line arrives whole.
///
/// In capture-time order (``init(_:header:orderedByTime:)``), each port's lines must be in
/// capture order (its thread reads inputs that are); the sink then merges the ports' batches,
/// line by line, earliest first, and writes a line only once every port still writing has a
/// later one waiting, so the output is in capture order as if one thread had rendered it all.
/// A port whose batches pile up (another port's input is slower) waits for the others.
public final class SharedSink: @unchecked Sendable {
    /// The sink written to; use it only while no thread is running, or through ``withLock(_:)``.
    public let sink: any OutputSink
    private let lock = ThreadLock()
    /// A line written once before the first delivered line (CSV's header); not a record.
    @exclusivity(unchecked) private var header: [UInt8]?
    /// Whether the ports' lines are merged by capture time.
    private let orderedByTime: Bool
    /// In capture-time order: per port, the batches delivered and not yet written, oldest first.
    @exclusivity(unchecked) private var queues: [[Batch]] = []
    /// In capture-time order: per port, whether it may still deliver.
    @exclusivity(unchecked) private var open: [Bool] = []

    /// Batches one port may have waiting before it waits for the other ports.
    static let queuedBatchesPerPort = 32

    /// Rendered lines of one port, with the end and capture time of each: the port's own
    /// buffer, handed over whole (the port takes a spare one), so nothing is copied.
    final class Batch {
        let lines: OutputByteBuffer
        let ends: [Int]
        let times: [UInt64]
        /// The next line to write.
        var next = 0

        init(lines: OutputByteBuffer, ends: [Int], times: [UInt64]) {
            self.lines = lines
            self.ends = ends
            self.times = times
        }
    }

    /// In capture-time order: buffers whose lines are written, for the ports to take back.
    @exclusivity(unchecked) private var spareBuffers: [OutputByteBuffer] = []

    /// Shares `sink`; `header`, when given, goes out once before the first line any port
    /// delivers. `orderedByTime` merges the ports' lines by capture time.
    public init(_ sink: any OutputSink, header: [UInt8]? = nil, orderedByTime: Bool = false) {
        self.sink = sink
        self.header = header
        self.orderedByTime = orderedByTime
    }

    /// Runs `body` with the sink to itself.
    public func withLock<Result>(_ body: (any OutputSink) throws(SinkError) -> Result) throws(SinkError) -> Result {
        try self.lock.withLock { () throws(SinkError) -> Result in try body(self.sink) }
    }

    /// A new port for one thread.
    public func makePort() -> Port {
        let index = self.lock.withLock { () -> Int in
            self.queues.append([])
            self.open.append(true)
            return self.queues.count - 1
        }
        return Port(shared: self, index: index)
    }

    /// Writes the header if it is still due. Called holding the lock.
    private func writeHeaderIfDue() throws(SinkError) {
        guard let header = self.header else { return }
        self.header = nil
        try header.withByteView { (line) throws(SinkError) in try self.sink.writeHeader(line) }
    }

    // MARK: Capture-time order

    /// Queues `batch` of port `index` and writes what is due; first waits while the port
    /// already has ``queuedBatchesPerPort`` batches waiting for another port's lines.
    /// - Returns: a buffer for the port's next lines (a spare one, or a new one).
    fileprivate func enqueue(_ batch: Batch, from index: Int) throws(SinkError) -> OutputByteBuffer {
        while self.lock.withLock({ self.queues[index].count >= Self.queuedBatchesPerPort }) {
            usleep(500)
        }
        let spare = try self.lock.withLock { () throws(SinkError) -> OutputByteBuffer? in
            self.queues[index].append(batch)
            try self.writeDueLines()
            return self.spareBuffers.popLast()
        }
        return spare ?? OutputByteBuffer(initialCapacity: Port.batchBytes + (64 << 10))
    }

    /// Port `index` delivers no more: the others' lines no longer wait for it.
    fileprivate func close(port index: Int) throws(SinkError) {
        try self.lock.withLock { () throws(SinkError) in
            self.open[index] = false
            try self.writeDueLines()
        }
    }

    /// Writes the earliest waiting line while every open port has one waiting (an open port
    /// with none may still deliver an earlier one). Called holding the lock.
    private func writeDueLines() throws(SinkError) {
        while true {
            var earliest = -1
            var earliestTime = UInt64.max
            for index in self.queues.indices {
                guard let batch = self.queues[index].first else {
                    if self.open[index] { return }
                    continue
                }
                let time = batch.times[batch.next]
                if earliest < 0 || time < earliestTime {
                    earliest = index
                    earliestTime = time
                }
            }
            guard earliest >= 0 else { return }
            try self.writeHeaderIfDue()
            let batch = self.queues[earliest][0]
            let start = batch.next == 0 ? 0 : batch.ends[batch.next - 1]
            try self.sink.write(batch.lines.bytes.subview(start..<batch.ends[batch.next]), timeNanoseconds: earliestTime)
            batch.next += 1
            if batch.next == batch.ends.count {
                self.queues[earliest].removeFirst()
                batch.lines.removeAll()
                self.spareBuffers.append(batch.lines)
            }
        }
    }

    /// One thread's side of a shared sink: buffers the lines written to it and delivers them
    /// when a batch is full, on ``flush()`` (the thread's input is idle) and on ``finish()``.
    ///
    /// Its ``counters`` hold what the thread counted itself (the lines it skipped by output
    /// type); written and failed lines are counted by the shared sink.
    public final class Port: OutputSink {
        /// Bytes of lines held before they are delivered.
        public static let batchBytes = 256 << 10

        public var name: String { self.shared.sink.name }
        @exclusivity(unchecked) public var counters = SinkCounters()

        private let shared: SharedSink
        /// This port's number in the shared sink.
        private let index: Int
        @exclusivity(unchecked) private var lines = OutputByteBuffer(initialCapacity: Port.batchBytes + (64 << 10))
        /// Where each held line ends in ``lines``, and its capture time.
        @exclusivity(unchecked) private var ends: [Int] = []
        @exclusivity(unchecked) private var times: [UInt64] = []

        init(shared: SharedSink, index: Int) {
            self.shared = shared
            self.index = index
            self.ends.reserveCapacity(4096)
            self.times.reserveCapacity(4096)
        }

        public func write(_ line: ByteView, timeNanoseconds: UInt64) throws(SinkError) {
            self.lines.append(line)
            self.ends.append(self.lines.count)
            self.times.append(timeNanoseconds)
            if self.lines.count >= Port.batchBytes { try self.deliver() }
        }

        /// Writes the held lines to the sink, in order, under its lock (or queues them for the
        /// capture-time merge).
        public func deliver() throws(SinkError) {
            guard !self.ends.isEmpty else { return }
            let shared = self.shared
            if shared.orderedByTime {
                let batch = Batch(lines: self.lines, ends: self.ends, times: self.times)
                self.ends = []
                self.times = []
                self.ends.reserveCapacity(4096)
                self.times.reserveCapacity(4096)
                do {
                    self.lines = try shared.enqueue(batch, from: self.index)
                } catch {
                    // The batch's buffer is the sink's now, error or not.
                    self.lines = OutputByteBuffer(initialCapacity: Port.batchBytes + (64 << 10))
                    throw error
                }
                return
            }
            defer {
                self.lines.removeAll()
                self.ends.removeAll(keepingCapacity: true)
                self.times.removeAll(keepingCapacity: true)
            }
            let bytes = self.lines.bytes
            let ends = self.ends, times = self.times
            try shared.withLock { (sink) throws(SinkError) in
                try shared.writeHeaderIfDue()
                var start = 0
                for index in ends.indices {
                    try sink.write(bytes.subview(start..<ends[index]), timeNanoseconds: times[index])
                    start = ends[index]
                }
            }
        }

        public func writeHeader(_ line: ByteView) throws(SinkError) {
            // The shared sink writes its header itself, once, before the first delivered line.
        }

        public func flush() throws(SinkError) {
            try self.deliver()
            try self.shared.withLock { (sink) throws(SinkError) in try sink.flush() }
        }

        public func reopen() throws(SinkError) {
            try self.deliver()
            try self.shared.withLock { (sink) throws(SinkError) in try sink.reopen() }
        }

        /// Delivers what is held, and in capture-time order closes the port even when that
        /// fails, so the other ports' lines never wait for it; the shared sink itself is
        /// finished once, by its owner.
        public func finish() throws(SinkError) {
            var failure: SinkError?
            do { try self.deliver() } catch { failure = error }
            if self.shared.orderedByTime { try self.shared.close(port: self.index) }
            if let failure { throw failure }
        }
    }
}
