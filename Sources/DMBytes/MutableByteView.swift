/// A writable view of bytes that something else owns: the space a ``RecordWriter`` reserves
/// for a record, a buffer being filled by a read.
///
/// Like ``ByteView``, every accessor checks its bounds and the view does not keep the bytes
/// alive: it is valid for as long as its owner says (usually the closure it is passed to).
@frozen
public struct MutableByteView {
    /// The first byte; never nil (an empty view holds ``ByteView/emptyBase``, never written).
    @usableFromInline let base: UnsafeMutableRawPointer
    /// How many bytes the view covers.
    public let count: Int

    @inlinable
    init(base: UnsafeMutableRawPointer, count: Int) {
        assert(count >= 0)
        self.base = base
        self.count = count
    }

    /// A view of the bytes `buffer` points at, for code that hands memory to C or the kernel
    /// to fill. The caller guarantees they stay valid for as long as the view is used.
    @inlinable
    public init(unsafeBytes buffer: UnsafeMutableRawBufferPointer) {
        assert(buffer.count == 0 || buffer.baseAddress != nil)
        self.init(base: buffer.baseAddress ?? UnsafeMutableRawPointer(mutating: ByteView.emptyBase), count: buffer.count)
    }

    /// The same bytes, read-only.
    @inlinable
    public var view: ByteView { ByteView(base: UnsafeRawPointer(self.base), count: self.count) }

    /// The byte at `offset`; traps unless `0 ≤ offset < count`.
    @inlinable
    public subscript(offset: Int) -> UInt8 {
        get {
            assert(UInt(bitPattern: offset) < UInt(bitPattern: self.count), "byte offset out of range")
            return self.base.load(fromByteOffset: offset, as: UInt8.self)
        }
        nonmutating set {
            assert(UInt(bitPattern: offset) < UInt(bitPattern: self.count), "byte offset out of range")
            self.base.storeBytes(of: newValue, toByteOffset: offset, as: UInt8.self)
        }
    }

    /// The bytes in `range`, as a view of its own counting from 0; traps unless the range is
    /// inside the view.
    @inlinable
    public func subview(_ range: Range<Int>) -> MutableByteView {
        assert(range.lowerBound >= 0 && range.upperBound <= self.count, "byte range out of range")
        return MutableByteView(base: self.base + range.lowerBound, count: range.count)
    }

    /// The bytes from `start` to the end; traps unless `0 ≤ start ≤ count`.
    @inlinable
    public func subview(from start: Int) -> MutableByteView {
        self.subview(start..<self.count)
    }

    /// Stores `value` little-endian at `offset`; traps unless its bytes are inside the view.
    @inlinable @inline(__always)
    public func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        assert(offset >= 0 && offset <= self.count &- MemoryLayout<T>.size, "integer offset out of range")
        self.base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }

    /// Stores `value` big-endian (network order) at `offset`; traps unless its bytes are inside
    /// the view.
    @inlinable @inline(__always)
    public func storeBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        assert(offset >= 0 && offset <= self.count &- MemoryLayout<T>.size, "integer offset out of range")
        self.base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    }

    /// Stores `value` in memory order at `offset`, the inverse of ``ByteView/loadNative(at:as:)``.
    @inlinable @inline(__always)
    public func storeNative<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        assert(offset >= 0 && offset <= self.count &- MemoryLayout<T>.size, "integer offset out of range")
        self.base.storeBytes(of: value, toByteOffset: offset, as: T.self)
    }

    /// Copies `bytes` to `offset`; traps unless they fit inside the view there. The two may
    /// overlap. Most pieces of a rendered line (keys, punctuation, short names) are under 32
    /// bytes, where a call to memmove costs more than the copy: those are moved as two to four
    /// overlapping words (all loaded before any is stored), longer ones by memmove.
    @inlinable @inline(__always)
    public func copy(_ bytes: ByteView, to offset: Int) {
        let count = bytes.count
        assert(offset >= 0 && offset <= self.count &- count, "copy out of range")
        guard count > 0 else { return }
        let source = bytes.base
        let target = self.base + offset
        switch count {
        case 1...3:
            let first = source.load(as: UInt8.self)
            let middle = source.load(fromByteOffset: count >> 1, as: UInt8.self)
            let last = source.load(fromByteOffset: count - 1, as: UInt8.self)
            target.storeBytes(of: first, as: UInt8.self)
            target.storeBytes(of: middle, toByteOffset: count >> 1, as: UInt8.self)
            target.storeBytes(of: last, toByteOffset: count - 1, as: UInt8.self)
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

    /// Copies the bytes of `array` to `offset`; traps unless they fit.
    @inlinable
    public func copy(_ array: [UInt8], to offset: Int) {
        array.withByteView { self.copy($0, to: offset) }
    }

    /// Sets every byte to `value`.
    @inlinable
    public func fill(with value: UInt8) {
        guard self.count > 0 else { return }
        self.base.initializeMemory(as: UInt8.self, repeating: value, count: self.count)
    }

    /// Calls `body` with the bytes as a raw buffer, for handing them to C and the kernel to
    /// fill. The buffer must not escape `body`.
    @inlinable
    public func withUnsafeMutableBytes<Result, Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeMutableRawBufferPointer(start: self.count > 0 ? self.base : nil, count: self.count))
    }
}
