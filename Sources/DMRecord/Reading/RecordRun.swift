import DMBytes

/// Complete, validated records lying back to back in a reader's buffer.
///
/// Stages that treat most records alike walk a run instead of calling ``RecordReader/next()``
/// per record, and hand contiguous stretches of it to ``RecordWriter/writeRecords(_:count:)``
/// in one copy (or none). Valid until the next call on the reader.
///
/// Walking a run asks for the input's cache lines ``RecordReader/prefetchDistance`` bytes
/// ahead of each record, a few lines per record: input mapped from a file comes from memory,
/// and requests spread over the stage's work arrive while it works, where requests made in
/// one burst (as the batch scan made them) left the stage waiting on memory for 11% of its
/// time. The lines ahead of the run are the next batch's, so its scan finds them cached.
@frozen
public struct RecordRun: Sequence {
    /// The records' bytes, length fields included.
    public let rawBytes: ByteView
    /// How many records the bytes hold.
    public let count: Int
    /// Up to where (from the run's start) lines were asked for already.
    @usableFromInline let requests: CacheLineRequests
    /// The reader's bytes from the run's start to the end of its buffer: where requests ahead
    /// of the run may go.
    @usableFromInline let prefetchWindow: ByteView

    @inlinable
    init(rawBytes: ByteView, count: Int, requests: CacheLineRequests = CacheLineRequests(), prefetchWindow: ByteView = ByteView()) {
        self.rawBytes = rawBytes
        self.count = count
        self.requests = requests
        self.prefetchWindow = prefetchWindow
    }

    /// Iterates the records; their lengths were validated when the run was made.
    @frozen
    public struct Iterator: IteratorProtocol {
        @usableFromInline let bytes: ByteView
        @usableFromInline var offset = 0
        @usableFromInline var requests: CacheLineRequests
        @usableFromInline let prefetchWindow: ByteView

        @inlinable
        init(bytes: ByteView, requests: CacheLineRequests, prefetchWindow: ByteView) {
            self.bytes = bytes
            self.requests = requests
            self.prefetchWindow = prefetchWindow
        }

        @inlinable
        public mutating func next() -> RecordView? {
            guard self.offset < self.bytes.count else { return nil }
            // The run was made of whole records with valid lengths: the loads stay inside it.
            let total = Int(self.bytes.uncheckedLoadLittleEndian(at: self.offset, as: UInt32.self)) &+ RecordFraming.lengthFieldSize
            let view = RecordView(rawBytes: self.bytes.subview(self.offset..<(self.offset &+ total)))
            self.offset &+= total
            self.requests.request(upTo: self.offset &+ RecordReader.prefetchDistance, in: self.prefetchWindow)
            return view
        }
    }

    @inlinable
    public func makeIterator() -> Iterator {
        Iterator(bytes: self.rawBytes, requests: self.requests, prefetchWindow: self.prefetchWindow)
    }
}

/// What ``RecordReader/nextBatch()`` yields: a header, or a run of records.
public enum StreamBatch {
    case header(StreamHeader)
    case records(RecordRun)
}

extension RecordReader {
    /// The next header, or every complete record already buffered (at least one), or nil at the
    /// end of the input. Each record has a valid length and a non-zero type.
    @inlinable
    public func nextBatch() throws(RecordStreamError) -> StreamBatch? {
        if self.sawHeader {
            let bytes = self.bytes.subview(self.start..<self.end)
            // A batch is the records that start in the next half ``prefetchDistance``: the
            // walk over the previous run asked for those lines at least that far back, so this
            // scan finds them cached (only a first batch, or one after the buffer moved, asks
            // for them itself).
            let window = min(bytes.count, RecordReader.prefetchDistance / 2)
            var requests = CacheLineRequests(from: max(0, self.prefetchedTo &- self.start))
            requests.request(upTo: window, in: bytes)
            var offset = 0
            var count = 0
            while bytes.count &- offset >= RecordFraming.prefixSize && offset < window {
                // The loop's condition keeps the 8-byte prefix inside `bytes`.
                let length = Int(bytes.uncheckedLoadLittleEndian(at: offset, as: UInt32.self))
                let total = length &+ RecordFraming.lengthFieldSize
                guard length >= 4, length <= RecordFraming.maximumLength, total <= bytes.count &- offset,
                    bytes.uncheckedLoadLittleEndian(at: offset &+ 4, as: UInt16.self) != 0
                else { break }
                offset &+= total
                count &+= 1
            }
            if count > 0 {
                let runStart = self.start
                self.start &+= offset
                // The walk over the run asks for lines up to a distance past its last record.
                self.prefetchedTo = max(runStart &+ requests.requestedTo, self.start &+ RecordReader.prefetchDistance)
                return .records(RecordRun(
                    rawBytes: bytes.subview(0..<offset), count: count, requests: requests,
                    prefetchWindow: self.bytes.subview(from: runStart)))
            }
        }
        switch try self.nextSlowly() {
        case .header(let header): return .header(header)
        case .record(let record): return .records(RecordRun(rawBytes: record.rawBytes, count: 1))
        case nil: return nil
        }
    }
}
