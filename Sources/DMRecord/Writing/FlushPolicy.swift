import DMSystem

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

/// The timing half of a ``FlushPolicy`` for a buffer of records or lines: when the oldest
/// buffered item has waited ``FlushPolicy/maximumDelayNanoseconds``, a flush is due.
///
/// Reading the clock on every append would cost more than the append, so the clock starts at
/// the first item after a flush and is read again only every 512 appends.
public struct FlushClock: Sendable {
    /// The policy whose delay is kept.
    public let policy: FlushPolicy
    /// Items appended since the clock was last read.
    @usableFromInline var appendsSinceCheck = 0
    /// Monotonic time of the first item buffered since the last flush; 0 when empty.
    @usableFromInline var oldestBufferedAt: UInt64 = 0

    public init(policy: FlushPolicy) {
        self.policy = policy
    }

    /// Notes one appended item; true when the buffer should be flushed now. Inlined into
    /// every append, so only a count and one test stay on its path.
    @inlinable @inline(__always)
    public mutating func noteAppend() -> Bool {
        self.appendsSinceCheck &+= 1
        guard self.appendsSinceCheck >= 512 || self.oldestBufferedAt == 0 else { return false }
        return self.startOrCheck()
    }

    /// The rest of ``noteAppend()``: starts the clock for a first item, or reads it every
    /// 512 appends.
    @usableFromInline
    mutating func startOrCheck() -> Bool {
        if self.oldestBufferedAt == 0 {
            self.oldestBufferedAt = WallClock.monotonicNanoseconds()
            return false
        }
        self.appendsSinceCheck = 0
        return self.isDue
    }

    /// Whether something is buffered and has waited the policy's delay.
    public var isDue: Bool {
        self.oldestBufferedAt != 0
            && WallClock.monotonicNanoseconds() &- self.oldestBufferedAt >= self.policy.maximumDelayNanoseconds
    }

    /// The buffer was emptied.
    @inlinable
    public mutating func reset() {
        self.oldestBufferedAt = 0
        self.appendsSinceCheck = 0
    }
}
