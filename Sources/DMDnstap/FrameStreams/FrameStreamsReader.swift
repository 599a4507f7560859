import DMBytes

/// Cuts a Frame Streams byte stream into frames: data frames handed out as views into its own
/// buffer, control frames decoded. Bytes come from the owner (a socket or a file) through
/// ``space()`` and ``didRead(_:)``; frames are taken with ``next()`` until it returns nil, and the
/// views stay valid until the next ``space()``.
///
/// The buffer starts small and grows to hold the largest frame seen, up to the maximum frame
/// size; a data frame larger than that is skipped as it arrives, without being held, and
/// counted. Many idle connections therefore cost little memory.
public final class FrameStreamsReader {
    /// A frame.
    public enum Frame {
        /// A data frame's payload (a dnstap protobuf).
        case data(ByteView)
        /// A control frame.
        case control(FrameStreamsControl)
    }

    /// The largest data frame accepted; longer ones are skipped and counted.
    public let maximumFrameSize: Int
    /// Data frames longer than ``maximumFrameSize``, skipped.
    @exclusivity(unchecked) public private(set) var framesTooLarge: UInt64 = 0
    /// Bytes taken from the stream so far.
    public var offset: UInt64 { self.bufferOffset + UInt64(self.start) }
    /// Where the frame ``next()`` returned last starts in the stream.
    @exclusivity(unchecked) public private(set) var frameOffset: UInt64 = 0
    /// Whether bytes of an unfinished frame are waiting (at the end of the stream: a cut frame).
    public var holdsPartialFrame: Bool { self.end > self.start || self.skipping > 0 }

    private let readSize: Int
    @exclusivity(unchecked) private var storage: ByteStorage
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var bufferOffset: UInt64 = 0
    /// Bytes of an oversized frame still to be discarded as they arrive.
    @exclusivity(unchecked) private var skipping = 0

    /// - Parameters:
    ///   - maximumFrameSize: the largest data frame kept.
    ///   - readSize: how many bytes each read asks for.
    public init(maximumFrameSize: Int, readSize: Int = 16 << 10) {
        self.maximumFrameSize = maximumFrameSize
        self.readSize = readSize
        self.storage = ByteStorage(count: readSize * 2)
    }

    /// Room for the next read, at least ``readSize`` bytes; moves the unread bytes to the front
    /// (invalidating earlier frame views) or grows the buffer when a long frame needs it.
    public func space() -> MutableByteView {
        let held = self.end - self.start
        let needed = held + self.readSize
        if self.storage.count - self.end < self.readSize {
            if needed > self.storage.count {
                let larger = ByteStorage(count: max(needed, self.storage.count * 2))
                larger.mutableView.copy(self.storage.view.subview(self.start..<self.end), to: 0)
                self.storage = larger
            } else if held > 0 {
                self.storage.mutableView.copy(self.storage.view.subview(self.start..<self.end), to: 0)
            }
            self.bufferOffset += UInt64(self.start)
            self.start = 0
            self.end = held
        }
        return self.storage.mutableView.subview(self.end..<min(self.storage.count, self.end + self.readSize))
    }

    /// Records that `count` bytes were read into the last ``space()``.
    public func didRead(_ count: Int) {
        self.end += count
    }

    /// The next complete frame, or nil when more bytes are needed.
    /// - Parameter acceptsData: false while a handshake is still due: a data frame is then
    ///   refused as soon as its length is read (garbage from a client that speaks something
    ///   else is not waited for or skipped as a frame).
    /// - Throws: ``FrameStreamsError`` for a control frame that breaks the protocol, or a data
    ///   frame where none is accepted.
    public func next(acceptsData: Bool = true) throws(FrameStreamsError) -> Frame? {
        while true {
            if self.skipping > 0 {
                let dropped = min(self.skipping, self.end - self.start)
                self.start += dropped
                self.skipping -= dropped
                if self.skipping > 0 { return nil }
            }
            let bytes = self.storage.view.subview(self.start..<self.end)
            guard bytes.count >= 4 else { return nil }
            self.frameOffset = self.offset
            let length = Int(bytes.loadBigEndian(at: 0, as: UInt32.self))
            if length == 0 {
                guard bytes.count >= 8 else { return nil }
                let controlLength = Int(bytes.loadBigEndian(at: 4, as: UInt32.self))
                guard controlLength <= FrameStreamsControl.maximumLength else {
                    throw FrameStreamsError(
                        offset: self.offset,
                        reason: "control frame of \(controlLength) bytes is longer than the \(FrameStreamsControl.maximumLength) allowed")
                }
                guard bytes.count >= 8 + controlLength else { return nil }
                let control = try FrameStreamsControl(payload: bytes.subview(8..<(8 + controlLength)), offset: self.offset + 8)
                self.start += 8 + controlLength
                return .control(control)
            }
            guard acceptsData else {
                throw FrameStreamsError(offset: self.frameOffset, reason: "data frame before START: no Frame Streams handshake")
            }
            if length > self.maximumFrameSize {
                self.framesTooLarge &+= 1
                self.start += 4
                self.skipping = length
                continue
            }
            guard bytes.count >= 4 + length else { return nil }
            self.start += 4 + length
            return .data(bytes.subview(4..<(4 + length)))
        }
    }
}
