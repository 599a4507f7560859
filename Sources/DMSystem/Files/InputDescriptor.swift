import DMBytes

#if canImport(Glibc)
import Glibc
#endif

/// A descriptor read until its end: remembers that the input ended, and whether a stop
/// signal (SIGINT/SIGTERM) ended it rather than the producer.
public final class InputDescriptor {
    /// The descriptor.
    public let fileDescriptor: Int32
    /// The input's name in error messages.
    public let name: String
    /// Whether the input has ended, by end of data or by a stop signal.
    @exclusivity(unchecked) public private(set) var ended = false
    /// Whether a stop signal ended the input.
    @exclusivity(unchecked) public private(set) var stoppedBySignal = false
    /// The request that ends the input when a read is interrupted.
    public let stop: StopSignal
    private let closesDescriptor: Bool

    /// Wraps `fd`, growing it to 1 MiB if it is a pipe; a read interrupted while `stop` is
    /// raised ends the input.
    public init(fileDescriptor fd: Int32, name: String, closesDescriptor: Bool, stop: StopSignal = .process) {
        self.fileDescriptor = fd
        self.name = name
        self.closesDescriptor = closesDescriptor
        self.stop = stop
        FileDescriptorIO.growPipe(fd)
    }

    deinit { if self.closesDescriptor { close(self.fileDescriptor) } }

    /// Reads up to `count` bytes from the start of `fd` (fewer at its end) without taking
    /// ownership of it, so a stage can recognise the format before choosing a reader; pass the
    /// bytes on to that reader as `alreadyRead`.
    public static func peek(_ fd: Int32, name: String, count: Int) throws(SystemError) -> [UInt8] {
        let input = InputDescriptor(fileDescriptor: fd, name: name, closesDescriptor: false)
        let buffer = ByteStorage(count: count)
        var filled = 0
        while filled < count, let read = try input.read(into: buffer.mutableView.subview(from: filled)) {
            filled += read
        }
        return Array(buffer.view.subview(0..<filled))
    }

    /// Whether a read would return at once (data or end of input).
    public var isReadable: Bool { FileDescriptorIO.isReadable(self.fileDescriptor) }

    /// Reads into `space` as ``read(into:)`` does, first telling `observer` when the read is
    /// about to wait (so a stage flushes what it holds instead of sitting on it while its input
    /// is quiet), and after it when bytes came.
    public func read(
        into space: MutableByteView, idleObserver observer: (any InputIdleObserver)?
    ) throws(SystemError) -> Int? {
        if let observer, !self.ended, !self.isReadable { observer.inputWillBlock() }
        guard let count = try self.read(into: space) else { return nil }
        observer?.inputDidRead()
        return count
    }

    /// Reads into `space`; nil once the input has ended.
    public func read(into space: MutableByteView) throws(SystemError) -> Int? {
        if self.ended { return nil }
        switch try FileDescriptorIO.read(self.fileDescriptor, into: space, object: self.name, stop: self.stop) {
        case .bytes(let count):
            return count
        case .endOfInput:
            self.ended = true
            return nil
        case .interrupted:
            self.ended = true
            self.stoppedBySignal = true
            return nil
        }
    }
}
