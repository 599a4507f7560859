/// Room a writer reserved for a bounded write: the space an output buffer set aside before
/// printing a field, sized for the most bytes the field can take (a DNS name: 255 wire bytes,
/// at most 6 printed bytes each).
///
/// Its stores check their bounds in debug builds only: every store lands in room the writer
/// sized up front, and what was written is checked against the room once, when the write
/// ends. Checking each byte again in release builds cost dm-out a tenth of its time (measured
/// in BENCHMARKS.md). The tests run debug builds, where any store outside the room traps.
@frozen
public struct ReservedBytes {
    @usableFromInline let base: UnsafeMutableRawPointer
    /// How many bytes were reserved.
    public let count: Int

    @inlinable
    init(base: UnsafeMutableRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    /// Reserved room over all of `bytes`.
    @inlinable
    public init(_ bytes: MutableByteView) {
        self.init(base: bytes.base, count: bytes.count)
    }

    /// The byte at `offset`, which is inside the room.
    @inlinable
    public subscript(offset: Int) -> UInt8 {
        get {
            assert(UInt(bitPattern: offset) < UInt(bitPattern: self.count), "byte offset outside the reserved room")
            return self.base.load(fromByteOffset: offset, as: UInt8.self)
        }
        nonmutating set {
            assert(UInt(bitPattern: offset) < UInt(bitPattern: self.count), "byte offset outside the reserved room")
            self.base.storeBytes(of: newValue, toByteOffset: offset, as: UInt8.self)
        }
    }

    /// The room from `start` on, counting from 0 there.
    @inlinable
    public func suffix(from start: Int) -> ReservedBytes {
        assert(start >= 0 && start <= self.count, "start outside the reserved room")
        return ReservedBytes(base: self.base + start, count: self.count &- start)
    }

    /// The bytes in `range` of the room, counting from 0 there.
    @inlinable
    public func subrange(_ range: Range<Int>) -> ReservedBytes {
        assert(range.lowerBound >= 0 && range.upperBound <= self.count, "range outside the reserved room")
        return ReservedBytes(base: self.base + range.lowerBound, count: range.count)
    }

    /// Copies `bytes` to `offset`, where the room holds them.
    @inlinable @inline(__always)
    public func copy(_ bytes: ByteView, to offset: Int) {
        assert(offset >= 0 && offset <= self.count &- bytes.count, "copy outside the reserved room")
        MutableByteView(base: self.base + offset, count: bytes.count).copy(bytes, to: 0)
    }

    /// Stores `value` little-endian at `offset`, where the room holds it.
    @inlinable @inline(__always)
    public func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        assert(offset >= 0 && offset <= self.count &- MemoryLayout<T>.size, "integer offset outside the reserved room")
        self.base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }

    /// The room's bytes, read-only.
    @inlinable
    public var view: ByteView { ByteView(base: UnsafeRawPointer(self.base), count: self.count) }
}
