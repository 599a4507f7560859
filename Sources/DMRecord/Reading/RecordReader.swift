import DMBytes
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// What a reader yields: a header that starts a section, or a record.
public enum StreamItem {
    case header(StreamHeader)
    case record(RecordView)
}

/// What ``RecordReader/nextWithoutWaiting()`` found.
public enum ReadyItem {
    /// A header or record that was ready.
    case item(StreamItem)
    /// Nothing complete is buffered and the input has nothing to read now.
    case wouldWait
    /// The input has ended (or a stop signal ended it).
    case end
}


/// Reads a DMRecord stream from a file descriptor, parsing records in place.
///
/// Input arrives in reads of a megabyte or more into one buffer; ``next()`` returns views into
/// that buffer, so reading allocates nothing per record. LZ4 frames and repeated headers are
/// recognised at record boundaries (sections 4 and 5 of the format).
public final class RecordReader {
    /// Bytes the buffer holds: room for a maximal record plus large reads.
    public static let bufferCapacity = 4 << 20
    /// Reads are never smaller than this, except the last ones before the buffer fills, nor
    /// larger: 1 MiB reads keep the copy inside the L2 cache and measured faster than 4 MiB.
    static let minimumReadSize = 1 << 20
    /// How far ahead of the record being walked a ``RecordRun`` asks for the input's cache
    /// lines; one ``nextBatch()`` hands out the records that start in half of it. Input mapped
    /// from a file arrives from memory, not from a read that just copied it into the cache,
    /// and the hardware prefetcher stops at each 4 KiB page: without requests ahead, the batch
    /// scan waited on memory for each record (18% of dm-parse's time, measured). 8 KiB
    /// measured faster than 2 and 4 KiB.
    @inlinable static var prefetchDistance: Int { 8192 }

    /// The input's name in error messages.
    public let inputName: String
    /// The header of the current section; nil before the first.
    @exclusivity(unchecked) public private(set) var header: StreamHeader?
    /// Whether a SIGINT or SIGTERM ended the input.
    public var stoppedBySignal: Bool { self.input.stoppedBySignal || self.mappedStopped }
    /// How many LZ4 frames have started so far.
    @exclusivity(unchecked) public private(set) var compressedFrameCount = 0
    /// Told before the reader waits on an empty input. Held strongly: an observer (a writer,
    /// a sink plan) never holds its reader, and a weak reference would give the writer a side
    /// table that makes every retain of it in the record loop a slow atomic path.
    public var idleObserver: (any InputIdleObserver)?

    /// The bytes records are read from: the reader's own buffer (``storage``), or, for a
    /// regular file, a read-only mapping of the file from the stream's first byte.
    @usableFromInline @exclusivity(unchecked) var bytes: ByteView
    /// The reader's own buffer, which reads fill; nil while a mapping is read instead.
    @exclusivity(unchecked) private var storage: ByteStorage?
    @usableFromInline @exclusivity(unchecked) var start = 0
    @usableFromInline @exclusivity(unchecked) var end = 0
    @usableFromInline @exclusivity(unchecked) var sawHeader = false
    /// Buffer offset up to which cache lines were asked for (by ``nextBatch()`` and the walks
    /// over its runs). Only a hint: when it is wrong, lines are asked for twice or not at all.
    @usableFromInline @exclusivity(unchecked) var prefetchedTo = 0
    /// Stream offset of `buffer[0]`, for error messages.
    @exclusivity(unchecked) private var bufferOffset: UInt64 = 0

    private let input: InputDescriptor
    private let readLimit: Int

    /// Raw bytes read but not yet consumed, used while decompressing and after a frame ends.
    @exclusivity(unchecked) private var pending: ByteStorage?
    @exclusivity(unchecked) private var pendingStart = 0
    @exclusivity(unchecked) private var pendingEnd = 0
    /// Non-nil while the reader is inside LZ4 content.
    @exclusivity(unchecked) private var decoder: LZ4FrameDecoder?
    @exclusivity(unchecked) private var decoding = false

    /// The mapping while a regular file is read through it (``bytes`` is its bytes).
    @exclusivity(unchecked) private var mapping: FileMapping?
    @exclusivity(unchecked) private var mappedStopped = false
    /// False while ``nextWithoutWaiting()`` runs: a read that would wait is not made.
    @exclusivity(unchecked) private var waitsForInput = true
    /// Set when a read was skipped because it would have waited.
    @exclusivity(unchecked) private var skippedWaitingRead = false

    /// Reads from `fd`.
    /// - Parameters:
    ///   - inputName: how errors name the input.
    ///   - closesDescriptor: whether the reader closes `fd` when it goes away.
    ///   - readLimit: an upper bound on each read, for tests that exercise every split.
    ///   - alreadyRead: bytes the caller read from `fd` to recognise the format (``InputDescriptor/peek(_:name:count:)``).
    ///   - stop: the request that ends the input (SIGINT/SIGTERM for ``StopSignal/process``).
    public init(
        fileDescriptor fd: Int32, inputName: String, closesDescriptor: Bool = false, readLimit: Int = .max,
        alreadyRead: [UInt8] = [], stop: StopSignal = .process
    ) {
        self.input = InputDescriptor(fileDescriptor: fd, name: inputName, closesDescriptor: closesDescriptor, stop: stop)
        self.inputName = inputName
        self.readLimit = max(1, readLimit)
        if readLimit == .max, let mapping = FileMapping.mapRest(of: fd, alreadyRead: alreadyRead.count, minimumSize: 1 << 20) {
            // A regular file is read in place: no copy from the page cache into a buffer. The
            // buffer is only ever written when it is the reader's own, never when mapped.
            self.mapping = mapping
            self.bytes = mapping.bytes
        } else {
            let storage = ByteStorage(count: RecordReader.bufferCapacity)
            storage.mutableView.copy(alreadyRead, to: 0)
            self.storage = storage
            self.bytes = storage.view
        }
        self.end = alreadyRead.count
    }

    /// The next header or record, or nil at the end of the input.
    ///
    /// A returned ``RecordView`` is valid until the next call.
    @inlinable
    public func next() throws(RecordStreamError) -> StreamItem? {
        let available = self.end - self.start
        if available >= RecordFraming.prefixSize && self.sawHeader {
            // `available` covers the prefix: start + 8 ≤ end ≤ the buffer's size.
            let length = Int(self.bytes.uncheckedLoadLittleEndian(at: self.start, as: UInt32.self))
            let total = length &+ RecordFraming.lengthFieldSize
            if length >= 4 && length <= RecordFraming.maximumLength && total <= available {
                let view = RecordView(rawBytes: self.bytes.subview(self.start..<(self.start + total)))
                if view.type.rawValue != 0 {
                    self.start += total
                    return .record(view)
                }
            }
        }
        return try self.nextSlowly()
    }

    /// The next header or record if one can be had without waiting for input: what is
    /// buffered, plus reads the descriptor can serve at once. A merger of several inputs polls
    /// their descriptors and takes from each what is ready (``RecordStreamMerger``).
    public func nextWithoutWaiting() throws(RecordStreamError) -> ReadyItem {
        self.waitsForInput = false
        self.skippedWaitingRead = false
        defer { self.waitsForInput = true }
        if let item = try self.next() { return .item(item) }
        if self.skippedWaitingRead {
            self.skippedWaitingRead = false
            return .wouldWait
        }
        return .end
    }

    /// The request that ends the input.
    public var stop: StopSignal { self.input.stop }

    /// The descriptor the reader reads, for polling it alongside others.
    public var fileDescriptor: Int32 { self.input.fileDescriptor }

    /// Everything that is not a complete, valid record already in the buffer.
    @usableFromInline
    func nextSlowly() throws(RecordStreamError) -> StreamItem? {
        while true {
            let available = self.end - self.start
            let bytes = self.bytes.subview(self.start..<self.end)
            if available >= 4 {
                let word = bytes.loadLittleEndian(at: 0, as: UInt32.self)
                if word == StreamMagic.headerAsLength {
                    if let header = try self.parseHeader(bytes) { return .header(header) }
                } else if word == StreamMagic.lz4FrameAsLength {
                    if self.mapping != nil {
                        try self.switchFromMappingToReads()
                    } else {
                        try self.beginDecompressing()
                    }
                    continue
                } else if word < 4 || word > RecordFraming.maximumLength {
                    throw self.invalidLength(word, bytes)
                } else if available >= Int(word) + RecordFraming.lengthFieldSize {
                    let total = Int(word) + RecordFraming.lengthFieldSize
                    let view = RecordView(rawBytes: bytes.subview(0..<total))
                    guard self.sawHeader && view.type.rawValue != 0 else { throw self.misplacedRecord(bytes) }
                    self.start += total
                    return .record(view)
                }
            }
            if try !self.fill() {
                if self.skippedWaitingRead || self.stoppedBySignal { return nil }
                if self.end == self.start && !(self.decoding && self.decoder?.insideFrame == true) { return nil }
                throw self.truncation()
            }
        }
    }

    // MARK: Headers

    /// Parses a header at the start of `bytes`; nil when more input is needed.
    private func parseHeader(_ bytes: ByteView) throws(RecordStreamError) -> StreamHeader? {
        guard bytes.count >= StreamHeader.fixedSize else { return nil }
        guard bytes.loadLittleEndian(at: 0, as: UInt64.self) == StreamMagic.headerWord else {
            throw self.error(.invalidHeader, at: 0, "bytes look like a header magic but are not one (line endings rewritten in transfer?)")
        }
        let version = bytes.loadLittleEndian(at: 8, as: UInt16.self)
        guard version == StreamHeader.formatVersion else {
            throw self.error(.unsupportedVersion, at: 0, "format version \(version) is not supported (this tool reads version 1)")
        }
        let entriesLength = Int(bytes.loadLittleEndian(at: 12, as: UInt32.self))
        guard entriesLength <= StreamHeader.maximumEntriesLength else {
            throw self.error(.invalidHeader, at: 12, "header entries length \(entriesLength) exceeds the maximum of \(StreamHeader.maximumEntriesLength)")
        }
        guard bytes.count >= StreamHeader.fixedSize + entriesLength else { return nil }
        var entries: [HeaderEntry] = []
        var offset = StreamHeader.fixedSize
        let entriesEnd = StreamHeader.fixedSize + entriesLength
        while offset < entriesEnd {
            guard entriesEnd - offset >= RecordFraming.prefixSize else {
                throw self.error(.invalidHeader, at: offset, "header entry of \(entriesEnd - offset) bytes is shorter than its 8-byte prefix")
            }
            let length = Int(bytes.loadLittleEndian(at: offset, as: UInt32.self))
            guard length >= 4, offset + RecordFraming.lengthFieldSize + length <= entriesEnd else {
                throw self.error(.invalidHeader, at: offset, "header entry length \(length) does not fit the entries length \(entriesLength)")
            }
            let value = Array(bytes[(offset + RecordFraming.prefixSize)..<(offset + RecordFraming.lengthFieldSize + length)])
            entries.append(HeaderEntry(
                tag: bytes.loadLittleEndian(at: offset + 4), flags: bytes.loadLittleEndian(at: offset + 6), value: value))
            offset += RecordFraming.lengthFieldSize + length
        }
        let header = StreamHeader(entries: entries)
        self.start += entriesEnd
        self.header = header
        self.sawHeader = true
        return header
    }

    // MARK: Errors

    /// The stream offset of the next item: bytes consumed so far (decompressed for LZ4 content).
    public var offset: UInt64 { self.bufferOffset + UInt64(self.start) }

    private var currentOffset: UInt64 { self.offset }

    private func error(_ kind: RecordStreamError.Kind, at delta: Int, _ message: String) -> RecordStreamError {
        RecordStreamError(kind: kind, offset: self.currentOffset + UInt64(delta), input: self.inputName, message: message)
    }

    private func foreignFormatError(_ bytes: ByteView) -> RecordStreamError? {
        guard let format = StreamMagic.foreignFormat(bytes) else { return nil }
        return self.error(.foreignFormat, at: 0, "this is \(format.rawValue), not a DMRecord stream: \(format.advice)")
    }

    private func invalidLength(_ length: UInt32, _ bytes: ByteView) -> RecordStreamError {
        if !self.sawHeader, let foreign = self.foreignFormatError(bytes) { return foreign }
        if length < 4 {
            return self.error(.invalidLength, at: 0, "record length \(length) is below the minimum of 4 (stream corrupt?)")
        }
        return self.error(.invalidLength, at: 0, "record length \(length) exceeds the maximum of \(RecordFraming.maximumLength) (stream corrupt?)")
    }

    /// A complete record that the fast path refused: before any header, or of type 0.
    private func misplacedRecord(_ bytes: ByteView) -> RecordStreamError {
        if !self.sawHeader {
            if let foreign = self.foreignFormatError(bytes) { return foreign }
            let shown = bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
            return self.error(.missingHeader, at: 0, "the input does not start with a DMRecord header (first bytes: \(shown)); is it the output of a dm- stage?")
        }
        return self.error(.invalidType, at: 4, "record type 0 is invalid (stream corrupt?)")
    }

    private func truncation() -> RecordStreamError {
        let bytes = self.bytes.subview(self.start..<self.end)
        if let foreign = self.sawHeader ? nil : self.foreignFormatError(bytes) { return foreign }
        if self.decoder?.insideFrame == true {
            return self.error(.truncated, at: bytes.count, "the input ends inside an LZ4 frame")
        }
        if bytes.count >= 4 {
            let word = bytes.loadLittleEndian(at: 0, as: UInt32.self)
            if word == StreamMagic.headerAsLength {
                return self.error(.truncated, at: 0, "truncated header: the input ends after \(bytes.count) bytes of it")
            }
            return self.error(.truncated, at: 0, "truncated record: its length field says \(word) bytes follow, the input ends after \(bytes.count - 4)")
        }
        return self.error(.truncated, at: 0, "truncated record: the input ends after \(bytes.count) bytes of a length field")
    }

    // MARK: Input

    /// Reads or decompresses more bytes into the buffer; false at the end of the input.
    private func fill() throws(RecordStreamError) -> Bool {
        if let mapping = self.mapping {
            // Mapped: a megabyte more of the file becomes visible, as a read would bring it.
            guard !self.input.stop.isRaised else {
                self.mappedStopped = true
                return false
            }
            guard self.end < self.bytes.count else { return false }
            self.end = mapping.reveal(after: self.end, step: RecordReader.minimumReadSize)
            return true
        }
        if RecordReader.bufferCapacity - self.end < RecordReader.minimumReadSize { self.compact() }
        if self.decoding { return try self.fillDecompressing() }
        let space = self.freeSpace()
        if let pending = self.pending, self.pendingStart < self.pendingEnd {
            let count = min(space.count, self.pendingEnd - self.pendingStart)
            space.copy(pending.view.subview(self.pendingStart..<(self.pendingStart + count)), to: 0)
            self.pendingStart += count
            self.end += count
            return true
        }
        guard let count = try self.readInput(into: space) else { return false }
        self.end += count
        return true
    }

    /// One read from the descriptor; nil at the end of the input or on a stop signal.
    /// The reader's own buffer after ``end``, as much as one read may fill.
    private func freeSpace() -> MutableByteView {
        self.storage!.mutableView.subview(
            self.end..<(self.end + min(RecordReader.bufferCapacity - self.end, self.readLimit, RecordReader.minimumReadSize)))
    }

    private func readInput(into space: MutableByteView) throws(RecordStreamError) -> Int? {
        if !self.waitsForInput && !self.input.ended && !self.input.isReadable {
            self.skippedWaitingRead = true
            return nil
        }
        do {
            return try self.input.read(into: space, idleObserver: self.idleObserver)
        } catch {
            throw RecordStreamError(kind: .system, offset: self.currentOffset, input: self.inputName, message: error.description)
        }
    }

    /// Moves the unconsumed bytes to the front of the buffer.
    private func compact() {
        let count = self.end - self.start
        if count > 0 && self.start > 0 {
            self.storage!.mutableView.copy(self.bytes.subview(self.start..<self.end), to: 0)
        }
        self.bufferOffset += UInt64(self.start)
        self.start = 0
        self.end = count
        self.prefetchedTo = 0
    }

    /// LZ4 content in a mapped file is decompressed from reads: the descriptor is moved to
    /// the frame, the mapping dropped, and the reader goes on with its own buffer.
    private func switchFromMappingToReads() throws(RecordStreamError) {
        guard let mapping = self.mapping else { return }
        let fileOffset = mapping.fileOffset + self.start
        guard lseek(self.input.fileDescriptor, off_t(fileOffset), SEEK_SET) == fileOffset else {
            throw RecordStreamError(kind: .system, offset: self.currentOffset, input: self.inputName,
                                    message: SystemError.current("seek in", self.inputName).description)
        }
        self.mapping = nil
        self.bufferOffset += UInt64(self.start)
        let storage = ByteStorage(count: RecordReader.bufferCapacity)
        self.storage = storage
        self.bytes = storage.view
        self.start = 0
        self.end = 0
        self.prefetchedTo = 0
    }

    // MARK: LZ4

    private func pendingBuffer() -> ByteStorage {
        if let pending = self.pending { return pending }
        let pending = ByteStorage(count: RecordReader.bufferCapacity)
        self.pending = pending
        return pending
    }

    /// Turns the unconsumed bytes, which start with an LZ4 frame magic, into decoder input.
    private func beginDecompressing() throws(RecordStreamError) {
        let pending = self.pendingBuffer()
        let count = self.end - self.start
        let waiting = self.pendingEnd - self.pendingStart
        guard count + waiting <= pending.count else {
            throw self.error(.compression, at: 0, "internal limit: more than \(pending.count) raw bytes pending at an LZ4 frame start")
        }
        if waiting > 0 {
            pending.mutableView.copy(pending.view.subview(self.pendingStart..<self.pendingEnd), to: count)
        }
        pending.mutableView.copy(self.bytes.subview(self.start..<self.end), to: 0)
        self.pendingStart = 0
        self.pendingEnd = count + waiting
        self.end = self.start
        if self.decoder == nil { self.decoder = LZ4FrameDecoder() }
        self.decoding = true
        self.compressedFrameCount += 1
    }

    /// Decompresses until at least one byte is produced or the frame ends.
    private func fillDecompressing() throws(RecordStreamError) -> Bool {
        let pending = self.pendingBuffer()
        let decoder = self.decoder!
        while true {
            if self.pendingStart == self.pendingEnd {
                self.pendingStart = 0
                self.pendingEnd = 0
                let space = pending.mutableView.subview(0..<min(pending.count, self.readLimit))
                guard let count = try self.readInput(into: space) else { return false }
                self.pendingEnd = count
            }
            let destination = self.freeSpace()
            let step: LZ4FrameDecoder.Step
            do {
                step = try decoder.decompress(pending.view.subview(self.pendingStart..<self.pendingEnd), into: destination)
            } catch {
                throw self.error(.compression, at: self.end - self.start, "LZ4 frame is corrupt: \(error.message)")
            }
            self.pendingStart += step.consumed
            self.end += step.produced
            if step.frameEnded {
                self.decoding = false
                return true
            }
            if step.produced > 0 { return true }
        }
    }
}
