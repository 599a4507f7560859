import DMSystem

/// Reads several record streams and yields their DNS records in capture-time order: how dm-out
/// puts the lanes of a replayed file back in the order of the file.
///
/// Each input is already in capture order (a lane reads its share of the file front to back),
/// so this is a k-way merge: the merger holds the next DNS record of every input that has not
/// ended and returns the earliest (the lower input number on a tie). Headers, STATS and records
/// of other types carry no capture time and are returned as soon as they are read. An input
/// with nothing buffered is waited for, since any record it sends may come first: right for
/// files, which never stall for long, and wrong for live capture, whose lanes keep arrival
/// order (``RecordStreamMerger``).
public final class TimeOrderedMerger {
    private let readers: [RecordReader]
    /// Per input, the DNS record read and not yet returned.
    @exclusivity(unchecked) private var heads: [RecordView?]
    @exclusivity(unchecked) private var ended: [Bool]
    @exclusivity(unchecked) private var lastReader: RecordReader?
    @exclusivity(unchecked) private var stopped = false

    /// Told by whichever input is about to wait (every reader gets it).
    public var idleObserver: (any InputIdleObserver)? {
        didSet { for reader in self.readers { reader.idleObserver = self.idleObserver } }
    }

    /// Merges `readers` (at least one).
    public init(readers: [RecordReader]) {
        precondition(!readers.isEmpty, "a merger needs at least one input")
        self.readers = readers
        self.heads = Array(repeating: nil, count: readers.count)
        self.ended = Array(repeating: false, count: readers.count)
    }

    /// The name of the input the last item came from.
    public var inputName: String { (self.lastReader ?? self.readers[0]).inputName }

    /// The offset in its own input just after the last item returned.
    public var offset: UInt64 { self.lastReader?.offset ?? 0 }

    /// Whether a stop signal ended an input (and so the merged stream).
    public var stoppedBySignal: Bool { self.stopped }

    /// The next header or record, or nil once every input has ended.
    ///
    /// A returned ``RecordView`` is valid until the next call, which reads the next item of the
    /// input it came from. An input's error is thrown as it is (it names that input and offset).
    public func next() throws(RecordStreamError) -> StreamItem? {
        guard !self.stopped else { return nil }
        // Every open input needs its next DNS record at hand before the earliest is known.
        for index in self.readers.indices where self.heads[index] == nil && !self.ended[index] {
            let reader = self.readers[index]
            while true {
                guard let item = try reader.next() else {
                    if reader.stoppedBySignal {
                        self.stopped = true
                        return nil
                    }
                    self.ended[index] = true
                    break
                }
                if case .record(let record) = item, record.type == .dns,
                    record.body.count >= DNSRecordLayout.timeOffset + 8
                {
                    self.heads[index] = record
                    break
                }
                self.lastReader = reader
                return item
            }
        }
        var earliest: Int?
        var earliestTime = UInt64.max
        for index in self.heads.indices {
            guard let head = self.heads[index] else { continue }
            let time = head.body.uncheckedLoadLittleEndian(at: DNSRecordLayout.timeOffset, as: UInt64.self)
            if earliest == nil || time < earliestTime {
                earliest = index
                earliestTime = time
            }
        }
        guard let earliest, let record = self.heads[earliest] else { return nil }
        self.heads[earliest] = nil
        self.lastReader = self.readers[earliest]
        return .record(record)
    }
}

extension TimeOrderedMerger: StreamItemSource {}
