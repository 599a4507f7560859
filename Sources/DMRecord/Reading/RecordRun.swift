import CDMShims

/// Complete, validated records lying back to back in a reader's buffer.
///
/// Stages that treat most records alike walk a run instead of calling ``RecordReader/next()``
/// per record, and hand contiguous stretches of it to ``RecordWriter/writeRecords(_:count:)``
/// in one copy (or none). Valid until the next call on the reader.
@frozen
public struct RecordRun: Sequence {
    /// The records' bytes, length fields included.
    public let rawBytes: UnsafeRawBufferPointer
    /// How many records the bytes hold.
    public let count: Int

    @inlinable
    init(rawBytes: UnsafeRawBufferPointer, count: Int) {
        self.rawBytes = rawBytes
        self.count = count
    }

    /// Iterates the records; their lengths were validated when the run was made.
    @frozen
    public struct Iterator: IteratorProtocol {
        @usableFromInline let bytes: UnsafeRawBufferPointer
        @usableFromInline var offset = 0

        @inlinable
        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        @inlinable
        public mutating func next() -> RecordView? {
            guard self.offset < self.bytes.count else { return nil }
            let total = Int(self.bytes.loadLittleEndian(at: self.offset, as: UInt32.self)) &+ RecordFraming.lengthFieldSize
            let view = RecordView(rawBytes: UnsafeRawBufferPointer(rebasing: self.bytes[self.offset..<(self.offset &+ total)]))
            self.offset &+= total
            return view
        }
    }

    @inlinable
    public func makeIterator() -> Iterator { Iterator(bytes: self.rawBytes) }
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
            let bytes = UnsafeRawBufferPointer(rebasing: self.buffer[self.start..<self.end])
            var offset = 0
            var count = 0
            // Every cache line is requested once, a fixed distance ahead of the scan.
            var prefetched = 0
            while bytes.count &- offset >= RecordFraming.prefixSize {
                let prefetchEnd = min(bytes.count, offset &+ RecordReader.prefetchDistance)
                while prefetched < prefetchEnd {
                    cdm_prefetch(bytes.baseAddress! + prefetched)
                    prefetched &+= 64
                }
                let length = Int(bytes.loadLittleEndian(at: offset, as: UInt32.self))
                let total = length &+ RecordFraming.lengthFieldSize
                guard length >= 4, length <= RecordFraming.maximumLength, total <= bytes.count &- offset,
                    bytes.loadLittleEndian(at: offset &+ 4, as: UInt16.self) != 0
                else { break }
                offset &+= total
                count &+= 1
            }
            if count > 0 {
                self.start &+= offset
                return .records(RecordRun(rawBytes: UnsafeRawBufferPointer(rebasing: bytes[0..<offset]), count: count))
            }
        }
        switch try self.nextSlowly() {
        case .header(let header): return .header(header)
        case .record(let record): return .records(RecordRun(rawBytes: record.rawBytes, count: 1))
        case nil: return nil
        }
    }
}
