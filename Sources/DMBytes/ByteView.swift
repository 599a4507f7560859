/// A read-only view of bytes that something else owns: a reader's buffer, a memory-mapped
/// file, a record being rendered.
///
/// Every accessor checks its bounds with an assertion: in debug builds (and so in every test)
/// a view cannot read outside the bytes it was made for; release builds leave the checks out,
/// because the renderers' benchmark showed they cost (docs/architecture.md), and rely on the
/// callers' own validation of lengths (the DNS wire check, record framing). The `unchecked`
/// accessors mark the loops that checked a whole range once (each such use says which check
/// covers it). A view does not keep its bytes
/// alive: like the reader handing it out, it is valid until its owner reuses or frees them
/// (``RecordReader`` documents how long its views live).
///
/// Views are how bytes cross module boundaries here: public APIs take and return views, not
/// raw pointers, and the raw pointer inside is private to this module.
@frozen
public struct ByteView: @unchecked Sendable {
    /// The first byte. Never nil: an empty view holds ``emptyBase``, which is never read, so
    /// no accessor, subview or copy has to branch on nil (the optional cost dm-out 2 % of its
    /// instructions in tests and branches on every name label).
    @usableFromInline let base: UnsafeRawPointer
    /// How many bytes the view covers.
    public let count: Int

    /// The view of `count` bytes at `base`.
    @inlinable
    init(base: UnsafeRawPointer, count: Int) {
        assert(count >= 0)
        self.base = base
        self.count = count
    }

    /// The view of `count` bytes at `base`, which is nil only when `count` is 0.
    @inlinable
    init(optionalBase base: UnsafeRawPointer?, count: Int) {
        assert(count >= 0 && (count == 0 || base != nil))
        self.init(base: base ?? ByteView.emptyBase, count: count)
    }

    /// The address an empty view holds: not null, never dereferenced.
    @inlinable
    static var emptyBase: UnsafeRawPointer { UnsafeRawPointer(bitPattern: 1).unsafelyUnwrapped }

    /// An empty view.
    @inlinable
    public init() {
        self.init(base: ByteView.emptyBase, count: 0)
    }

    /// A view of the bytes `buffer` points at, for the code that receives bytes from C (libpcap,
    /// liblz4, the kernel) and hands them on as a view. The caller guarantees they stay valid
    /// for as long as the view is used.
    @inlinable
    public init(unsafeBytes buffer: UnsafeRawBufferPointer) {
        self.init(optionalBase: buffer.baseAddress, count: buffer.count)
    }

    /// A view of a string literal's UTF-8 bytes, which live as long as the program.
    @inlinable
    public init(_ literal: StaticString) {
        // A literal of one scalar (no pointer representation) traps in `utf8Start`.
        self.init(base: UnsafeRawPointer(literal.utf8Start), count: literal.utf8CodeUnitCount)
    }

    /// Whether the view is empty.
    @inlinable
    public var isEmpty: Bool { self.count == 0 }

    /// The byte at `offset`; traps unless `0 ≤ offset < count`.
    @inlinable
    public subscript(offset: Int) -> UInt8 {
        assert(UInt(bitPattern: offset) < UInt(bitPattern: self.count), "byte offset out of range")
        return self.base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// The byte at `offset`, which the caller has checked is inside the view.
    @inlinable @inline(__always)
    public func uncheckedByte(at offset: Int) -> UInt8 {
        assert(UInt(bitPattern: offset) < UInt(bitPattern: self.count), "byte offset out of range")
        return self.base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// The bytes in `range`, as a view of its own counting from 0; traps unless the range is
    /// inside the view.
    @inlinable @inline(__always)
    public func subview(_ range: Range<Int>) -> ByteView {
        assert(range.lowerBound >= 0 && range.upperBound <= self.count, "byte range out of range")
        return ByteView(base: self.base + range.lowerBound, count: range.count)
    }

    /// The bytes from `start` to the end, as a view of its own; traps unless `0 ≤ start ≤ count`.
    @inlinable @inline(__always)
    public func subview(from start: Int) -> ByteView {
        self.subview(start..<self.count)
    }

    /// Whether both views hold the same bytes.
    @inlinable
    public func bytesEqual(_ other: ByteView) -> Bool {
        guard self.count == other.count else { return false }
        guard self.count > 0 else { return true }
        return memcmpEqual(self.base, other.base, self.count)
    }

    /// Calls `body` with the bytes as a raw buffer, for handing them to C and the kernel. The
    /// buffer must not escape `body`.
    @inlinable
    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(start: self.count > 0 ? self.base : nil, count: self.count))
    }
}

extension ByteView: RandomAccessCollection {
    public typealias Index = Int

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { self.count }

    @inlinable
    public func withContiguousStorageIfAvailable<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result? {
        try body(UnsafeBufferPointer(start: self.count > 0 ? self.base.assumingMemoryBound(to: UInt8.self) : nil, count: self.count))
    }
}

/// Compares `count` bytes at two addresses, eight at a time.
@inlinable
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var index = 0
    while index &+ 8 <= count {
        if a.loadUnaligned(fromByteOffset: index, as: UInt64.self) != b.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
            return false
        }
        index &+= 8
    }
    while index < count {
        if a.load(fromByteOffset: index, as: UInt8.self) != b.load(fromByteOffset: index, as: UInt8.self) { return false }
        index &+= 1
    }
    return true
}

extension Array where Element == UInt8 {
    /// Calls `body` with a view of the array's bytes; the view must not escape `body`. Unlike
    /// `withUnsafeBytes`, a typed error passes through whole.
    @inlinable @inline(__always)
    public func withByteView<Result, Failure: Error>(_ body: (ByteView) throws(Failure) -> Result) throws(Failure) -> Result {
        do {
            return try self.withUnsafeBytes { raw in try body(ByteView(unsafeBytes: raw)) }
        } catch {
            // `withUnsafeBytes` rethrows untyped; the only error it can pass on is body's.
            throw error as! Failure
        }
    }

    /// Appends the bytes of `view` in one copy (`append(contentsOf:)` would take them one at a
    /// time through the collection protocol).
    @inlinable
    public mutating func append(bytesOf view: ByteView) {
        guard !view.isEmpty else { return }
        view.withUnsafeBytes { raw in self.append(contentsOf: UnsafeRawBufferPointer(raw).bindMemory(to: UInt8.self)) }
    }

    /// Appends the low `byteCount` bytes of `value`, least significant first.
    @inlinable @inline(__always)
    public mutating func appendLittleEndian(_ value: UInt64, byteCount: Int) {
        if byteCount <= 2 {
            // One or two bytes are cheaper appended alone than through a buffer.
            self.append(UInt8(truncatingIfNeeded: value))
            if byteCount == 2 { self.append(UInt8(truncatingIfNeeded: value >> 8)) }
            return
        }
        var littleEndian = value.littleEndian
        Swift.withUnsafeBytes(of: &littleEndian) { raw in self.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<byteCount]).bindMemory(to: UInt8.self)) }
    }

    /// Calls `body` with a writable view of the array's bytes; the view must not escape `body`.
    @inlinable
    public mutating func withMutableByteView<Result, Failure: Error>(
        _ body: (MutableByteView) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        do {
            return try self.withUnsafeMutableBytes { raw in try body(MutableByteView(unsafeBytes: raw)) }
        } catch {
            // As in withByteView: the only error that can arrive here is body's.
            throw error as! Failure
        }
    }
}

extension String {
    /// Calls `body` with a view of the string's UTF-8 bytes; the view must not escape `body`.
    @inlinable
    public mutating func withUTF8ByteView<Result, Failure: Error>(_ body: (ByteView) throws(Failure) -> Result) throws(Failure) -> Result {
        do {
            return try self.withUTF8 { buffer in try body(ByteView(unsafeBytes: UnsafeRawBufferPointer(buffer))) }
        } catch {
            // As in withByteView: the only error that can arrive here is body's.
            throw error as! Failure
        }
    }
}

extension Hasher {
    /// Feeds the bytes of `view` to the hasher.
    @inlinable
    public mutating func combine(bytes view: ByteView) {
        view.withUnsafeBytes { self.combine(bytes: $0) }
    }
}
