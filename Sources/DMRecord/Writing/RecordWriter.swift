import DMBytes
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Writes a DMRecord stream to a file descriptor through one reused buffer.
///
/// Records are copied or built in place in the buffer, which is written when it is full, when
/// the stage's input is idle (as its reader's ``InputIdleObserver``), when a record has waited
/// for ``FlushPolicy/maximumDelayNanoseconds``, and on ``flush()`` and ``finish()``.
public final class RecordWriter: InputIdleObserver {
    /// The output's name in error messages.
    public let outputName: String
    /// The flush policy in force.
    public let policy: FlushPolicy
    /// Records written so far (headers not included).
    public var recordCount: UInt64 { self.writtenRecords }
    /// Uncompressed bytes written so far, headers included.
    @exclusivity(unchecked) public private(set) var byteCount: UInt64 = 0

    @usableFromInline @exclusivity(unchecked) var writtenRecords: UInt64 = 0
    /// Where records are gathered between writes.
    @usableFromInline let buffer: ByteStorage
    @usableFromInline @exclusivity(unchecked) var used = 0
    /// When the oldest buffered record has waited long enough.
    @usableFromInline @exclusivity(unchecked) var clock: FlushClock

    @exclusivity(unchecked) private var fd: Int32
    @exclusivity(unchecked) private var closesDescriptor: Bool
    private let encoder: LZ4FrameEncoder?
    /// A failure of a flush the reader triggered, reported by the next call that can throw.
    @exclusivity(unchecked) private var deferredError: RecordWriteError?

    /// Writes to `fd`.
    public init(
        fileDescriptor fd: Int32, outputName: String, policy: FlushPolicy = .standard,
        compression: StreamCompression = .none, closesDescriptor: Bool = false
    ) {
        self.fd = fd
        self.outputName = outputName
        self.policy = policy
        self.clock = FlushClock(policy: policy)
        self.closesDescriptor = closesDescriptor
        self.encoder = compression == .lz4 ? LZ4FrameEncoder() : nil
        let capacity = max(policy.bufferCapacity, RecordFraming.maximumRecordSize, StreamHeader.maximumEntriesLength + StreamHeader.fixedSize)
        self.buffer = ByteStorage(count: capacity)
        FileDescriptorIO.growPipe(fd)
    }

    deinit {
        if self.closesDescriptor { close(self.fd) }
    }

    // MARK: Writing

    /// Writes a header, starting a new section.
    public func writeHeader(_ header: StreamHeader) throws(RecordWriteError) {
        let bytes = header.encoded()
        guard bytes.count <= self.buffer.count else {
            throw RecordWriteError(kind: .recordTooLarge, output: self.outputName, message: "header of \(bytes.count) bytes exceeds the maximum")
        }
        try self.makeRoom(bytes.count)
        self.buffer.mutableView.copy(bytes, to: self.used)
        self.used += bytes.count
        self.noteAppend()
    }

    /// Copies a record read elsewhere, unchanged.
    @inlinable
    public func write(_ record: RecordView) throws(RecordWriteError) {
        let size = record.rawBytes.count
        if self.buffer.count - self.used < size { try self.makeRoom(size) }
        self.buffer.mutableView.copy(record.rawBytes, to: self.used)
        self.used += size
        self.writtenRecords &+= 1
        self.noteAppend()
    }

    /// Writes `count` whole records lying back to back in `rawBytes`, unchanged. A stretch at
    /// least half the buffer's size is written straight from where it lies, without a copy.
    @inlinable
    public func writeRecords(_ rawBytes: ByteView, count: Int) throws(RecordWriteError) {
        self.writtenRecords &+= UInt64(count)
        if rawBytes.count >= self.buffer.count / 2 {
            try self.flush()
            try self.writeThrough(rawBytes)
            return
        }
        if rawBytes.count > self.buffer.count &- self.used { try self.flush() }
        self.buffer.mutableView.copy(rawBytes, to: self.used)
        self.used &+= rawBytes.count
        self.noteAppend()
    }

    /// Writes bytes at once, bypassing the (empty) buffer.
    @usableFromInline
    func writeThrough(_ bytes: ByteView) throws(RecordWriteError) {
        self.byteCount &+= UInt64(bytes.count)
        if let encoder = self.encoder {
            let compressed: ByteView
            do { compressed = try encoder.compress(bytes) } catch {
                throw RecordWriteError(kind: .compression, output: self.outputName, message: "LZ4 compression failed: \(error.message)")
            }
            try self.writeOut(compressed)
        } else {
            try self.writeOut(bytes)
        }
    }

    /// Builds a record in place: `fill` receives exactly `bodySize` bytes to initialise.
    @inlinable @inline(__always)
    public func writeRecord(
        type: RecordType, flags: UInt16 = 0, bodySize: Int, _ fill: (MutableByteView) -> Void
    ) throws(RecordWriteError) {
        guard bodySize >= 0 && bodySize <= RecordFraming.maximumBodySize else {
            throw RecordWriteError(
                kind: .recordTooLarge, output: "record",
                message: "a \(type) body of \(bodySize) bytes exceeds the maximum of \(RecordFraming.maximumBodySize)")
        }
        let size = RecordFraming.prefixSize + bodySize
        if self.buffer.count - self.used < size { try self.makeRoom(size) }
        let record = self.buffer.mutableView.subview(self.used..<(self.used + size))
        record.storeLittleEndian(UInt32(size - RecordFraming.lengthFieldSize), at: 0)
        record.storeLittleEndian(type.rawValue, at: 4)
        record.storeLittleEndian(flags, at: 6)
        fill(record.subview(from: RecordFraming.prefixSize))
        self.used += size
        self.writtenRecords &+= 1
        self.noteAppend()
    }

    /// Writes a record whose body is already encoded.
    public func writeRecord(type: RecordType, flags: UInt16 = 0, body: [UInt8]) throws(RecordWriteError) {
        try body.withByteView { (source) throws(RecordWriteError) in
            try self.writeRecord(type: type, flags: flags, bodySize: source.count) { $0.copy(source, to: 0) }
        }
    }

    /// Appends bytes that are not records (text output of tools that reuse the buffering).
    @inlinable
    public func writeRaw(_ bytes: ByteView) throws(RecordWriteError) {
        var offset = 0
        while offset < bytes.count {
            if self.used == self.buffer.count { try self.flush() }
            let count = min(self.buffer.count - self.used, bytes.count - offset)
            self.buffer.mutableView.copy(bytes.subview(offset..<(offset + count)), to: self.used)
            self.used += count
            offset += count
        }
        self.noteAppend()
    }

    // MARK: Flushing

    /// Flushes when the oldest buffered record has waited too long (checked now and then).
    /// Inlined into every record write, so only a count and one test stay on its path (as a
    /// call it was 1.3% of dm-parse's time).
    @inlinable @inline(__always)
    func noteAppend() {
        if self.clock.noteAppend() { self.flushDeferringErrors() }
    }

    /// Flushes when the oldest buffered record has waited too long.
    func flushIfDue() {
        if self.used > 0 && self.clock.isDue { self.flushDeferringErrors() }
    }

    @usableFromInline
    func makeRoom(_ size: Int) throws(RecordWriteError) {
        try self.flush()
        guard size <= self.buffer.count else {
            throw RecordWriteError(kind: .recordTooLarge, output: self.outputName, message: "record of \(size) bytes exceeds the buffer")
        }
    }

    /// Writes everything buffered.
    public func flush() throws(RecordWriteError) {
        if let error = self.deferredError {
            self.deferredError = nil
            throw error
        }
        guard self.used > 0 else { return }
        let plain = self.buffer.view.subview(0..<self.used)
        self.used = 0
        self.clock.reset()
        try self.writeThrough(plain)
    }

    /// Flushes and ends the LZ4 frame if compressing. The writer can be used again afterwards;
    /// further records start a new frame.
    /// Flushes what is buffered to the current descriptor, then writes to `fd` instead (closing
    /// the old one if it was ours): how a line sink reopens or rotates its file while callers
    /// keep one writer. Only for uncompressed output, whose bytes need no frame to end.
    public func replaceDescriptor(with fd: Int32, closesDescriptor: Bool) throws(RecordWriteError) {
        precondition(self.encoder == nil, "a compressed stream cannot change its descriptor")
        try self.flush()
        if self.closesDescriptor { close(self.fd) }
        self.fd = fd
        self.closesDescriptor = closesDescriptor
    }

    public func finish() throws(RecordWriteError) {
        try self.flush()
        if let encoder = self.encoder {
            let tail: ByteView
            do { tail = try encoder.finish() } catch {
                throw RecordWriteError(kind: .compression, output: self.outputName, message: "LZ4 compression failed: \(error.message)")
            }
            try self.writeOut(tail)
        }
    }

    @usableFromInline
    func writeOut(_ bytes: ByteView) throws(RecordWriteError) {
        do {
            try FileDescriptorIO.writeAll(self.fd, bytes, object: self.outputName)
        } catch {
            if error.code == EPIPE {
                throw RecordWriteError(kind: .consumerClosed, output: self.outputName, message: "the consumer closed its end")
            }
            throw RecordWriteError(kind: .system, output: self.outputName, message: error.description)
        }
    }

    @usableFromInline
    func flushDeferringErrors() {
        do { try self.flush() } catch { self.deferredError = error }
    }

    // MARK: InputIdleObserver

    public func inputWillBlock() {
        if self.policy.flushWhenInputIdle { self.flushDeferringErrors() }
    }

    public func inputDidRead() {
        self.flushIfDue()
    }
}
