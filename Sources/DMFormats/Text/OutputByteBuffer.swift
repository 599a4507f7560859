/// A growable byte buffer for building output lines: one allocation reused for every record,
/// writes that check capacity once per field (``reserve(_:)``) and then store without checks.
///
/// This is the output side's unsafe primitive; everything else writes through its methods. Why
/// not `[UInt8]`: each `append` there pays a uniqueness check (see the project's Swift notes),
/// which costs more than the JSON itself.
public final class OutputByteBuffer {
    @usableFromInline @exclusivity(unchecked) var storage: UnsafeMutableRawPointer
    @usableFromInline @exclusivity(unchecked) var capacity: Int
    /// How many bytes were written.
    @exclusivity(unchecked) public private(set) var count: Int
    /// The last whole second ``RFC3339NanoText`` printed into this buffer and its 19 bytes
    /// (`2024-05-01T12:34:56`): the lines of one second share the calendar arithmetic.
    @exclusivity(unchecked) var cachedSecond: UInt64 = .max
    @exclusivity(unchecked) var cachedSecondText: (UInt64, UInt64, UInt64) = (0, 0, 0)

    /// An empty buffer with room for `initialCapacity` bytes before it grows.
    public init(initialCapacity: Int = 1 << 16) {
        self.capacity = max(initialCapacity, 64)
        self.storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
        self.count = 0
    }

    deinit { self.storage.deallocate() }

    /// The bytes written so far. Valid until the next write or ``removeAll()``.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: self.storage, count: self.count) }

    /// Forgets the contents, keeping the allocation.
    public func removeAll() { self.count = 0 }

    /// Drops everything after the first `count` bytes (to undo a partly written line).
    public func truncate(to count: Int) {
        precondition(count >= 0 && count <= self.count)
        self.count = count
    }

    /// Makes room for `extra` more bytes, so that that many unchecked stores are safe.
    @inline(__always)
    public func reserve(_ extra: Int) {
        if self.capacity - self.count < extra { self.grow(toHold: self.count + extra) }
    }

    @inline(never)
    private func grow(toHold needed: Int) {
        var newCapacity = self.capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        newStorage.copyMemory(from: self.storage, byteCount: self.count)
        self.storage.deallocate()
        self.storage = newStorage
        self.capacity = newCapacity
    }

    /// Stores one byte; the caller reserved room for it.
    @inline(__always)
    public func appendUnchecked(_ byte: UInt8) {
        assert(self.count < self.capacity)
        self.storage.storeBytes(of: byte, toByteOffset: self.count, as: UInt8.self)
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
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        self.reserve(bytes.count)
        Self.copy(source, to: self.storage + self.count, count: bytes.count)
        self.count += bytes.count
    }

    /// Copies `count` bytes. Most pieces of a line (keys, punctuation, short names) are under
    /// 32 bytes, where a call to memmove costs more than the copy: those are moved as two to
    /// four overlapping words, longer ones by memmove.
    @inline(__always)
    static func copy(_ source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, count: Int) {
        switch count {
        case 0:
            return
        case 1...3:
            target.storeBytes(of: source.load(as: UInt8.self), as: UInt8.self)
            target.storeBytes(of: source.load(fromByteOffset: count >> 1, as: UInt8.self), toByteOffset: count >> 1, as: UInt8.self)
            target.storeBytes(of: source.load(fromByteOffset: count - 1, as: UInt8.self), toByteOffset: count - 1, as: UInt8.self)
        case 4...7:
            let head = source.loadUnaligned(as: UInt32.self)
            let tail = source.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
        case 8...16:
            let head = source.loadUnaligned(as: UInt64.self)
            let tail = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
        case 17...32:
            let first = source.loadUnaligned(as: UInt64.self)
            let second = source.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let third = source.loadUnaligned(fromByteOffset: count - 16, as: UInt64.self)
            let fourth = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            target.storeBytes(of: first, as: UInt64.self)
            target.storeBytes(of: second, toByteOffset: 8, as: UInt64.self)
            target.storeBytes(of: third, toByteOffset: count - 16, as: UInt64.self)
            target.storeBytes(of: fourth, toByteOffset: count - 8, as: UInt64.self)
        default:
            target.copyMemory(from: source, byteCount: count)
        }
    }

    /// Appends the UTF-8 bytes of a literal (JSON keys and punctuation).
    @inline(__always)
    public func append(_ text: StaticString) {
        self.append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Lets `body` store up to `maximum` bytes at the end of the buffer through a plain pointer
    /// (kept in registers, unlike the buffer's own fields) and keeps the count it returns. For
    /// the loops that write most of the bytes: names, strings, numbers.
    @inline(__always)
    public func write(reserving maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        self.reserve(maximum)
        let written = body((self.storage + self.count).assumingMemoryBound(to: UInt8.self))
        assert(written >= 0 && written <= maximum)
        self.count += written
    }

    /// Replaces the bytes in `range` with `replacement`, moving what follows (a rare fix-up of
    /// something already written).
    public func replaceSubrange(_ range: Range<Int>, with replacement: UnsafeRawBufferPointer) {
        precondition(range.lowerBound >= 0 && range.upperBound <= self.count)
        let delta = replacement.count - range.count
        self.reserve(max(delta, 0))
        let tail = self.count - range.upperBound
        (self.storage + range.lowerBound + replacement.count).copyMemory(from: self.storage + range.upperBound, byteCount: tail)
        if let source = replacement.baseAddress, replacement.count > 0 {
            (self.storage + range.lowerBound).copyMemory(from: source, byteCount: replacement.count)
        }
        self.count += delta
    }

    /// Stores the decimal digits of `value` at `pointer` and returns how many (at most 20).
    @inline(__always)
    public static func storeDecimal(_ value: UInt64, at pointer: UnsafeMutablePointer<UInt8>) -> Int {
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
            pointer[position] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
            rest /= 10
        } while position > 0
        return digits
    }

    /// Appends `value` in decimal.
    @inline(__always)
    public func appendDecimal(_ value: UInt64) {
        self.write(reserving: 20) { Self.storeDecimal(value, at: $0) }
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
