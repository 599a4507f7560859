import DMBytes

/// A growable byte buffer for building output lines: one allocation reused for every record,
/// writes that make room once per field (``reserve(_:)``, ``write(reserving:_:)``) and then
/// store into views of that room.
///
/// Why not `[UInt8]`: each `append` there pays a uniqueness check (see the project's Swift
/// notes), which costs more than the JSON itself.
public final class OutputByteBuffer {
    /// The bytes; replaced by a larger storage when a write needs more room.
    @exclusivity(unchecked) private var storage: ByteStorage
    /// All of ``storage``, writable: a plain value the hot paths use without touching the
    /// storage object. Every write goes after ``reserve(_:)`` made room for it.
    @exclusivity(unchecked) private var room: ReservedBytes
    /// How many bytes were written.
    @exclusivity(unchecked) public private(set) var count: Int
    /// The last whole second ``RFC3339NanoText`` printed into this buffer and its 19 bytes
    /// (`2024-05-01T12:34:56`): the lines of one second share the calendar arithmetic.
    @exclusivity(unchecked) var cachedSecond: UInt64 = .max
    let cachedSecondText = ByteStorage(count: 19)

    /// An empty buffer with room for `initialCapacity` bytes before it grows.
    public init(initialCapacity: Int = 1 << 16) {
        self.storage = ByteStorage(count: max(initialCapacity, 64), alignment: 8)
        self.room = ReservedBytes(self.storage.mutableView)
        self.count = 0
    }

    /// The bytes written so far. Valid until the next write or ``removeAll()``.
    public var bytes: ByteView { self.room.view.subview(0..<self.count) }

    /// Forgets the contents, keeping the allocation.
    public func removeAll() { self.count = 0 }

    /// Drops everything after the first `count` bytes (to undo a partly written line).
    public func truncate(to count: Int) {
        precondition(count >= 0 && count <= self.count)
        self.count = count
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    public func reserve(_ extra: Int) {
        if self.room.count - self.count < extra { self.grow(toHold: self.count + extra) }
    }

    @inline(never)
    private func grow(toHold needed: Int) {
        var newCapacity = self.room.count * 2
        while newCapacity < needed { newCapacity *= 2 }
        let grown = ByteStorage(count: newCapacity, alignment: 8)
        grown.mutableView.copy(self.bytes, to: 0)
        self.storage = grown
        self.room = ReservedBytes(grown.mutableView)
    }

    /// Stores one byte; the caller reserved room for it.
    @inline(__always)
    public func appendUnchecked(_ byte: UInt8) {
        self.room[self.count] = byte
        self.count += 1
    }

    /// Appends one byte.
    @inline(__always)
    public func append(_ byte: UInt8) {
        self.reserve(1)
        self.appendUnchecked(byte)
    }

    /// Appends `bytes`.
    @inline(__always)
    public func append(_ bytes: ByteView) {
        self.reserve(bytes.count)
        self.room.copy(bytes, to: self.count)
        self.count += bytes.count
    }

    /// Appends the bytes of `array`.
    @inline(__always)
    public func append(_ array: [UInt8]) {
        array.withByteView { self.append($0) }
    }

    /// Appends the UTF-8 bytes of `text`. (Named apart from ``append(_:)-(StaticString)`` so
    /// that literals, conditional ones included, never become strings built per record.)
    @inline(__always)
    public func append(utf8 text: String) {
        var text = text
        text.withUTF8ByteView { self.append($0) }
    }

    /// Appends the UTF-8 bytes of a literal (JSON keys and punctuation).
    @inline(__always)
    public func append(_ text: StaticString) {
        self.append(ByteView(text))
    }

    /// Lets `body` store up to `maximum` bytes at the end of the buffer, through a view of
    /// exactly that room (kept in registers, unlike the buffer's own fields), and keeps the
    /// count it returns. For the loops that write most of the bytes: names, strings, numbers.
    @inline(__always)
    public func write(reserving maximum: Int, _ body: (ReservedBytes) -> Int) {
        self.reserve(maximum)
        let written = body(self.room.subrange(self.count..<(self.count + maximum)))
        assert(written >= 0 && written <= maximum, "wrote outside the reserved room")
        self.count += written
    }

    /// Replaces the bytes in `range` with `replacement`, moving what follows (a rare fix-up of
    /// something already written).
    public func replaceSubrange(_ range: Range<Int>, with replacement: ByteView) {
        precondition(range.lowerBound >= 0 && range.upperBound <= self.count)
        let delta = replacement.count - range.count
        self.reserve(max(delta, 0))
        let bytes = self.storage.mutableView
        bytes.copy(bytes.view.subview(range.upperBound..<self.count), to: range.lowerBound + replacement.count)
        bytes.copy(replacement, to: range.lowerBound)
        self.count += delta
    }

    /// Stores the decimal digits of `value` at `offset` of `output` and returns how many (at
    /// most 20).
    @inline(__always)
    public static func storeDecimal(_ value: UInt64, into output: ReservedBytes, at offset: Int) -> Int {
        var digits = 1
        var rest = value
        while rest >= 10 {
            digits += 1
            rest /= 10
        }
        rest = value
        var position = digits
        repeat {
            position -= 1
            output[offset + position] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
            rest /= 10
        } while position > 0
        return digits
    }

    /// Appends `value` in decimal.
    @inline(__always)
    public func appendDecimal(_ value: UInt64) {
        self.write(reserving: 20) { Self.storeDecimal(value, into: $0, at: 0) }
    }

    /// Appends `value` in decimal, with a minus sign when negative.
    @inline(__always)
    public func appendDecimal(_ value: Int) {
        if value < 0 {
            self.append(UInt8(ascii: "-"))
            self.appendDecimal(value.magnitude.toUInt64)
        } else {
            self.appendDecimal(UInt64(value))
        }
    }

    /// Appends `value` in decimal, zero-padded on the left to `width` digits.
    @inline(__always)
    public func appendDecimal(_ value: UInt64, width: Int) {
        self.reserve(max(width, 20))
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        for _ in digits..<max(digits, width) { self.appendUnchecked(0x30) }
        self.appendDecimal(value)
    }
}

extension UInt {
    @inline(__always) fileprivate var toUInt64: UInt64 { UInt64(self) }
}
