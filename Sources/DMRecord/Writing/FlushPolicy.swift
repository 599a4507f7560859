/// When a ``RecordWriter`` hands its buffer to the operating system
/// (docs/record-format.md, section 7).
public struct FlushPolicy: Hashable, Sendable {
    /// Bytes buffered before a write; a record that does not fit causes a flush first.
    public var bufferCapacity: Int
    /// The longest a record may wait in the buffer, in nanoseconds (default 100 ms).
    public var maximumDelayNanoseconds: UInt64
    /// Whether to flush whenever the stage's input has nothing ready.
    public var flushWhenInputIdle: Bool

    public init(bufferCapacity: Int = 1 << 20, maximumDelayNanoseconds: UInt64 = 100_000_000, flushWhenInputIdle: Bool = true) {
        self.bufferCapacity = bufferCapacity
        self.maximumDelayNanoseconds = maximumDelayNanoseconds
        self.flushWhenInputIdle = flushWhenInputIdle
    }

    /// The default: 1 MiB, 100 ms, flush on idle input.
    public static let standard = FlushPolicy()
}

/// Compression applied to a whole output stream.
public enum StreamCompression: String, Hashable, Sendable, CaseIterable {
    case none
    /// An LZ4 frame, flushed block by block so compression adds no latency.
    case lz4
}
