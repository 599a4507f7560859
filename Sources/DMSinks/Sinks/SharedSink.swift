import DMBytes
import DMFormats
import DMRecord
import DMSystem

/// A sink that several rendering threads write to: each thread writes into its own
/// ``SharedSink/Port``, which hands its lines to the sink in batches under one lock, so the
/// threads contend once per batch, not once per line, and each line arrives whole.
public final class SharedSink: @unchecked Sendable {
    /// The sink written to; use it only while no thread is running, or through ``withLock(_:)``.
    public let sink: any OutputSink
    private let lock = ThreadLock()
    /// A line written once before the first delivered line (CSV's header); not a record.
    @exclusivity(unchecked) private var header: [UInt8]?

    /// Shares `sink`; `header`, when given, goes out once before the first line any port delivers.
    public init(_ sink: any OutputSink, header: [UInt8]? = nil) {
        self.sink = sink
        self.header = header
    }

    /// Runs `body` with the sink to itself.
    public func withLock<Result>(_ body: (any OutputSink) throws(SinkError) -> Result) throws(SinkError) -> Result {
        try self.lock.withLock { () throws(SinkError) -> Result in try body(self.sink) }
    }

    /// A new port for one thread.
    public func makePort() -> Port { Port(shared: self) }

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
        private let lines = OutputByteBuffer(initialCapacity: Port.batchBytes + (64 << 10))
        /// Where each held line ends in ``lines``, and its capture time.
        @exclusivity(unchecked) private var ends: [Int] = []
        @exclusivity(unchecked) private var times: [UInt64] = []

        init(shared: SharedSink) {
            self.shared = shared
            self.ends.reserveCapacity(4096)
            self.times.reserveCapacity(4096)
        }

        public func write(_ line: ByteView, timeNanoseconds: UInt64) throws(SinkError) {
            self.lines.append(line)
            self.ends.append(self.lines.count)
            self.times.append(timeNanoseconds)
            if self.lines.count >= Port.batchBytes { try self.deliver() }
        }

        /// Writes the held lines to the sink, in order, under its lock.
        public func deliver() throws(SinkError) {
            guard !self.ends.isEmpty else { return }
            defer {
                self.lines.removeAll()
                self.ends.removeAll(keepingCapacity: true)
                self.times.removeAll(keepingCapacity: true)
            }
            let bytes = self.lines.bytes
            let ends = self.ends, times = self.times
            let shared = self.shared
            try shared.withLock { (sink) throws(SinkError) in
                if let header = shared.header {
                    shared.header = nil
                    try header.withByteView { (line) throws(SinkError) in try sink.writeHeader(line) }
                }
                var start = 0
                for index in ends.indices {
                    try sink.write(bytes.subview(start..<ends[index]), timeNanoseconds: times[index])
                    start = ends[index]
                }
            }
        }

        public func flush() throws(SinkError) {
            try self.deliver()
            try self.shared.withLock { (sink) throws(SinkError) in try sink.flush() }
        }

        public func writeHeader(_ line: ByteView) throws(SinkError) {
            // The shared sink writes its header itself, once, before the first delivered line.
        }

        public func reopen() throws(SinkError) {
            try self.deliver()
            try self.shared.withLock { (sink) throws(SinkError) in try sink.reopen() }
        }

        /// Delivers what is held; the shared sink itself is finished once, by its owner.
        public func finish() throws(SinkError) {
            try self.deliver()
        }
    }
}
