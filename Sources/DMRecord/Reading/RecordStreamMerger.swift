import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Reads several record streams at once and yields their headers and records interleaved, as
/// they arrive: how one dm-out serves the parallel lanes of bin/dnsmonster.
///
/// Each input keeps its own ``RecordReader``, so its records stay whole and in order and its
/// headers start its sections; only the interleaving between inputs depends on timing. The
/// merger takes a burst of ready items from one input, then moves on, and waits in poll(2)
/// only when no input has anything ready, telling its idle observer first. The merged stream
/// ends when every input has ended, or at once on SIGINT/SIGTERM, as a single reader does.
public final class RecordStreamMerger {
    /// Items taken from one input before the next gets its turn, so one busy lane cannot
    /// hold the others back while keeping the switching cost negligible.
    static let burst = 4096

    /// The readers still open, in the order given.
    @exclusivity(unchecked) private var readers: [RecordReader]
    @exclusivity(unchecked) private var current = 0
    @exclusivity(unchecked) private var takenFromCurrent = 0
    /// The reader of the last item returned (for ``offset`` and ``inputName``).
    @exclusivity(unchecked) private var lastReader: RecordReader?
    @exclusivity(unchecked) private var stopped = false
    private let firstInputName: String

    /// Told before the merger waits with every input quiet, and after input came.
    public var idleObserver: (any InputIdleObserver)?

    /// The request that ends the merged stream when it interrupts a wait for input.
    public let stop: StopSignal

    /// Merges `readers`; each one's own idle observer is left unset (the merger tells its own).
    /// A wait for input interrupted while `stop` is raised ends the merged stream.
    public init(readers: [RecordReader], stop: StopSignal = .process) {
        self.stop = stop
        precondition(!readers.isEmpty, "a merger needs at least one input")
        self.readers = readers
        self.firstInputName = readers[0].inputName
    }

    /// The name of the input the last item came from.
    public var inputName: String { self.lastReader?.inputName ?? self.firstInputName }

    /// The offset in its own input just after the last item returned.
    public var offset: UInt64 { self.lastReader?.offset ?? 0 }

    /// Whether a stop signal ended the merged stream.
    public var stoppedBySignal: Bool { self.stopped }

    /// The next header or record of any input, or nil once all have ended.
    ///
    /// A returned ``RecordView`` is valid until the next call. An input's error is thrown as
    /// it is (it names that input and offset).
    public func next() throws(RecordStreamError) -> StreamItem? {
        while !self.readers.isEmpty && !self.stopped {
            var checked = 0
            while checked < self.readers.count {
                if self.takenFromCurrent >= Self.burst {
                    self.advance()
                    checked = 0
                }
                let reader = self.readers[self.current]
                switch try reader.nextWithoutWaiting() {
                case .item(let item):
                    self.takenFromCurrent += 1
                    self.lastReader = reader
                    return item
                case .wouldWait:
                    self.advance()
                    checked += 1
                case .end:
                    if reader.stoppedBySignal { self.stopped = true; return nil }
                    self.readers.remove(at: self.current)
                    if self.current >= self.readers.count { self.current = 0 }
                    self.takenFromCurrent = 0
                    if self.readers.isEmpty { return nil }
                }
            }
            try self.waitForInput()
        }
        return nil
    }

    private func advance() {
        self.current = (self.current + 1) % self.readers.count
        self.takenFromCurrent = 0
    }

    /// Blocks until some input is readable (data or its end), or a stop signal arrives.
    private func waitForInput() throws(RecordStreamError) {
        self.idleObserver?.inputWillBlock()
        let ready: Int?
        do {
            ready = try FileDescriptorIO.waitForReadable(
                self.readers.map(\.fileDescriptor), object: "the merged inputs", stop: self.stop)
        } catch {
            throw RecordStreamError(
                kind: .system, offset: 0, input: self.readers.map(\.inputName).joined(separator: ", "), message: error.description)
        }
        guard let ready else {
            self.stopped = true
            return
        }
        self.current = ready
        self.takenFromCurrent = 0
        self.idleObserver?.inputDidRead()
    }
}
